using System.Text.Json;
using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Planning;

/// <summary>
/// One step of a stage, expanded. <see cref="Title"/> is what progress shows
/// (<c>[base 2/6] RUN echo hi</c>), <see cref="CreatedBy"/> the image history's text.
/// Steps that change files (<see cref="ChangesFiles"/>) describe themselves for the cache key.
/// </summary>
public abstract record StepPlan
{
    public required Instruction Instruction { get; init; }

    public required string Title { get; init; }

    public required string CreatedBy { get; init; }

    public virtual bool ChangesFiles => true;

    /// <summary>
    /// The build args in scope at the step, with their values: what a cache miss names when one of
    /// them changed (they reach the key through the step's description where the step uses them).
    /// </summary>
    public IReadOnlyDictionary<string, string> Args { get; init; } = new Dictionary<string, string>();

    /// <summary>The step as it enters the cache key: canonical JSON of everything that decides its result.</summary>
    public byte[] Describe()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("step", Instruction.Keyword);
            DescribeInto(json);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    protected abstract void DescribeInto(Utf8JsonWriter json);

    protected static string SourceKey(CopySource source) => source switch
    {
        ContextSource { Name: null } => "context",
        ContextSource named => $"context:{named.Name}",
        StageSource stage => $"stage:{stage.StageIndex}",
        ImageSource image => $"image:{image.Image.ManifestDigest}",
        _ => throw new InvalidOperationException("unknown copy source"),
    };

    protected static void WriteList(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}

/// <summary>ENV, LABEL, CMD and the other instructions that only change the image config.</summary>
public sealed record ConfigStep : StepPlan
{
    public override bool ChangesFiles => false;

    protected override void DescribeInto(Utf8JsonWriter json) => json.WriteString("text", CreatedBy);
}

/// <summary>
/// RUN: <see cref="Environment"/> is what the process gets (image env, then the build args in
/// scope); <see cref="KeyEnvironment"/> leaves out the proxy variables nobody declared, which
/// stay out of the cache key and history as in BuildKit.
/// </summary>
public sealed record RunStep(
    IReadOnlyList<string> Argv,
    IReadOnlyList<string> Environment,
    IReadOnlyList<string> KeyEnvironment,
    string WorkingDirectory,
    string? User,
    string? Network,
    IReadOnlyList<PlannedMount> Mounts,
    string? Security) : StepPlan
{
    /// <summary>A RUN heredoc that starts with <c>#!</c>: the script <see cref="Argv"/> runs, mounted at its path for the step alone.</summary>
    public RunScript? Script { get; init; }

    protected override void DescribeInto(Utf8JsonWriter json)
    {
        if (Script is { } script)
        {
            json.WriteString("script", script.Content);
        }

        WriteList(json, "argv", Argv);
        WriteList(json, "env", KeyEnvironment);
        json.WriteString("workdir", WorkingDirectory);
        json.WriteString("user", User ?? "");
        json.WriteString("network", Network ?? "");
        WriteList(json, "mounts", Mounts.Select(m => $"{m.Mount.Type} {m.Target} {m.Mount} {SourceKey(m.From)}"));
        json.WriteString("security", Security ?? "");
    }
}

/// <summary>A script a RUN runs: <paramref name="Content"/> at <paramref name="Path"/>, executable, read-only (BuildKit puts it in /dev/pipes/, named by its heredoc marker).</summary>
public sealed record RunScript(string Path, string Content);

/// <summary>
/// A RUN --mount, planned: the mount as parsed, its absolute target (a relative one is under the
/// WORKDIR; a secret's defaults to /run/secrets/ID), and for bind and cache mounts what
/// <c>from=</c> names (the context when absent).
/// </summary>
public sealed record PlannedMount(RunMount Mount, string Target, CopySource From)
{
    /// <summary>A cache mount's id: <c>id=</c>, else its target (BuildKit's default).</summary>
    public string CacheId => Mount.Id is { Length: > 0 } id ? id : Target;
}

/// <summary>Where COPY or ADD reads from.</summary>
public abstract record CopySource;

/// <summary>
/// The build context (the default), or with <paramref name="Name"/> a named directory context
/// (<c>--build-context NAME=DIR</c>), read the same way from its own directory.
/// </summary>
public sealed record ContextSource(string? Name = null) : CopySource;

/// <summary><c>--from=stage</c>: the result of another stage of this build.</summary>
public sealed record StageSource(int StageIndex) : CopySource;

/// <summary><c>--from=image</c>: an image of the image source.</summary>
public sealed record ImageSource(BaseImage Image) : CopySource;

/// <summary>COPY and ADD, expanded; the destination is as written (relative to <see cref="WorkingDirectory"/>).</summary>
public sealed record CopyStep(
    CopySource Source,
    IReadOnlyList<string> Sources,
    IReadOnlyList<HeredocFile> Contents,
    string Destination,
    string WorkingDirectory,
    string? Chown,
    string? Chmod,
    bool IsAdd,
    bool Unpack,
    string? Checksum,
    bool Link,
    bool Parents,
    IReadOnlyList<string> Excludes) : StepPlan
{
    /// <summary>
    /// ADD's git repositories, one per source (then every source is one): each is checked out and
    /// its content copied into the destination. Their options (<c>--keep-git-dir</c> merged in)
    /// are here; the key adds the commit each ref resolves to when the step runs.
    /// </summary>
    public IReadOnlyList<GitReference> Repositories { get; init; } = [];

    protected override void DescribeInto(Utf8JsonWriter json)
    {
        json.WriteString("from", SourceKey(Source));
        WriteList(json, "sources", Sources);
        WriteList(json, "contents", Contents.SelectMany(c => new[] { c.Name, c.Data }));
        json.WriteString("dest", Destination);
        json.WriteString("workdir", WorkingDirectory);
        json.WriteString("chown", Chown ?? "");
        json.WriteString("chmod", Chmod ?? "");
        json.WriteBoolean("unpack", Unpack);
        json.WriteString("checksum", Checksum ?? "");
        json.WriteBoolean("link", Link);
        json.WriteBoolean("parents", Parents);
        WriteList(json, "excludes", Excludes);
    }
}

/// <summary>WORKDIR: the directory is created (mode 0755, owned by <see cref="User"/>) when missing.</summary>
public sealed record WorkdirStep(string Path, string? User) : StepPlan
{
    protected override void DescribeInto(Utf8JsonWriter json)
    {
        json.WriteString("path", Path);
        json.WriteString("user", User ?? "");
    }
}
