namespace ImageBuilder.Linux.Sandbox;

/// <summary>A RUN --mount as the sandbox makes it: something put at <see cref="Target"/> (absolute in the step's root).</summary>
public abstract record SandboxMount(string Target);

/// <summary>
/// <paramref name="SubPath"/> of the host directory <paramref name="Root"/>, resolved inside it
/// (symlinks cannot lead out), bound at the target; writes go to the host (cache mounts) unless
/// <paramref name="ReadOnly"/>.
/// </summary>
public sealed record BindMount(string Target, string Root, string SubPath, bool ReadOnly) : SandboxMount(Target);

/// <summary>
/// <paramref name="SubPath"/> of the union of <paramref name="LowerDirs"/> (top first): read-only,
/// or writable with the writes thrown away afterwards (bind mounts with <c>rw</c>).
/// </summary>
public sealed record LayersMount(string Target, IReadOnlyList<string> LowerDirs, string SubPath, bool ReadOnly) : SandboxMount(Target);

/// <summary>A fresh tmpfs, of at most <paramref name="SizeBytes"/> when given.</summary>
public sealed record TmpfsMount(string Target, long? SizeBytes) : SandboxMount(Target);

/// <summary>A read-only file with this content (a secret): it lives on a tmpfs of the step's own, never on disk.</summary>
public sealed record ContentMount(string Target, byte[] Content, int Mode, int Uid, int Gid, bool Executable = false) : SandboxMount(Target);
