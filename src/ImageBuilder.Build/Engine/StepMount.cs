namespace ImageBuilder.Build.Engine;

/// <summary>A RUN --mount as the engine asks for it: something put at <see cref="Target"/> (absolute in the step's root).</summary>
public abstract record StepMount(string Target);

/// <summary>
/// <paramref name="SubPath"/> of the host directory <paramref name="Root"/>, resolved inside it,
/// bound at the target; writes go to the host (cache mounts) unless <paramref name="ReadOnly"/>.
/// </summary>
public sealed record StepBindMount(string Target, string Root, string SubPath, bool ReadOnly) : StepMount(Target);

/// <summary>
/// <paramref name="SubPath"/> of the union of <paramref name="LowerDirs"/> (top first): read-only,
/// or writable with the writes thrown away afterwards.
/// </summary>
public sealed record StepLayersMount(string Target, IReadOnlyList<string> LowerDirs, string SubPath, bool ReadOnly) : StepMount(Target);

/// <summary>A fresh tmpfs, of at most <paramref name="SizeBytes"/> when given.</summary>
public sealed record StepTmpfsMount(string Target, long? SizeBytes) : StepMount(Target);

/// <summary>A read-only file with this content (a secret; <paramref name="Executable"/>: a RUN heredoc's script), never written to disk.</summary>
public sealed record StepContentMount(string Target, byte[] Content, int Mode, int Uid, int Gid, bool Executable = false) : StepMount(Target);
