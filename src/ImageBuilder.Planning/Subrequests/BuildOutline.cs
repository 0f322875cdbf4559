using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Planning.Subrequests;

/// <summary>Where an outline entry or a target is written: its first and last line (1-based).</summary>
public sealed record LineRange(int StartLine, int EndLine)
{
    internal static LineRange Of(Instruction instruction) => new(instruction.Span.StartLine, instruction.Span.EndLine);
}

/// <summary>A build arg the target uses: its value (the <c>--build-arg</c> given, else the default expanded), and its description.</summary>
public sealed record OutlineArg(string Name, string? Value, string? Description, LineRange Location);

/// <summary>A secret or ssh id the target's RUN steps mount, and whether one of them requires it.</summary>
public sealed record OutlineMount(string Name, bool Required, LineRange Location);

/// <summary>
/// What BuildKit's outline subrequest (<c>docker buildx build --call=outline</c>) tells of a target:
/// its name and description, and the build args, secrets and ssh ids that it and the stages it
/// depends on use, each in the order written.
/// </summary>
public sealed record BuildOutline(
    string? Name,
    string? Description,
    IReadOnlyList<OutlineArg> Args,
    IReadOnlyList<OutlineMount> Secrets,
    IReadOnlyList<OutlineMount> Ssh);

/// <summary>
/// One stage as BuildKit's targets subrequest (<c>--call=targets</c>) lists it: its name, its
/// description, whether it is the default target (the last stage), its base as written and its
/// <c>FROM --platform</c> as written.
/// </summary>
public sealed record BuildTarget(string? Name, string? Description, bool IsDefault, string Base, string? Platform, LineRange Location)
{
    /// <summary>Every stage of the Dockerfile, in order; the last is the default.</summary>
    public static IReadOnlyList<BuildTarget> List(DockerfileDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document.Stages
            .Select(s => new BuildTarget(s.Name, s.From.Description, s.Index == document.Stages.Count - 1, s.From.Image, s.From.Platform, LineRange.Of(s.From)))
            .ToList();
    }
}
