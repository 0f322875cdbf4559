using ImageBuilder.Build.Context;

namespace ImageBuilder.Build.Engine;

/// <summary>
/// The engine's seam for file work on a step's root (COPY, ADD, WORKDIR) and on the host
/// directories a RUN mounts. The Linux implementation (<c>ImageBuilder.Build.Machine.LinuxFileWork</c>)
/// mounts the root as an overlay in a private mount namespace and writes owners as the image
/// says; tests use a fake that writes plain files.
/// </summary>
public interface IFileWork
{
    /// <summary>WORKDIR: makes <paramref name="path"/> and its missing parents in the root, owned by
    /// <paramref name="user"/> (root when null or empty). False when a part of the path exists and is not a directory.</summary>
    /// <exception cref="UnknownUserException">The image does not know the user.</exception>
    Task<bool> MakeDirectoryAsync(StepRoot root, string path, string? user);

    /// <summary>COPY or ADD into the root.</summary>
    /// <exception cref="Copying.CopyException">The copy cannot be done as written, or its source is refused.</exception>
    /// <exception cref="UnknownUserException">The image does not know --chown's user or group.</exception>
    Task CopyAsync(StepRoot root, CopyRequest request);

    /// <summary><paramref name="source"/> of the context, with .dockerignore applied, copied into the host directory <paramref name="target"/>.</summary>
    /// <exception cref="Copying.CopyException">The source cannot be copied.</exception>
    void CopyContext(BuildContext context, string source, string target);

    /// <summary>Gives a host directory the engine made (a cache mount's) its owner.</summary>
    void SetOwner(string path, int uid, int gid);
}

/// <summary>
/// What a COPY or ADD writes: <paramref name="Sources"/> (relative, wildcards allowed) from the
/// host directory <paramref name="SourceDirectory"/> (the context, ADD's downloads), filtered by
/// <paramref name="IsExcluded"/> (the context's .dockerignore), or from the union of
/// <paramref name="SourceLayers"/> (COPY --from) when they are set; and the heredoc files
/// <paramref name="Contents"/>. <paramref name="Chown"/> is resolved against the root's
/// /etc/passwd and /etc/group. <paramref name="Reuse"/> (a copy of context sources) records what
/// is written and, when it names a previous run of the step, starts from that run's snapshot.
/// </summary>
public sealed record CopyRequest(
    string? SourceDirectory,
    Func<string, bool>? IsExcluded,
    IReadOnlyList<string>? SourceLayers,
    IReadOnlyList<string> Sources,
    IReadOnlyList<(string Name, string Data)> Contents,
    string Destination,
    string WorkingDirectory,
    string? Chown,
    string? Chmod,
    bool UnpackArchives,
    IReadOnlyList<string> Excludes,
    bool Parents,
    Copying.CopyReuse? Reuse = null);

/// <summary>A user or group name that the image's /etc/passwd or /etc/group does not list.</summary>
public sealed class UnknownUserException(string message, Exception? inner = null) : Exception(message, inner);
