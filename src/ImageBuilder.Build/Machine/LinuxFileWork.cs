using ImageBuilder.Build.Context;
using ImageBuilder.Build.Copying;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Linux.Layers;
using ImageBuilder.Linux.Mounts;
using ImageBuilder.Linux.Rootless;
using ImageBuilder.Linux.Sandbox;

namespace ImageBuilder.Build.Machine;

/// <summary>
/// The real <see cref="IFileWork"/>: the root is an overlay mounted in a private mount namespace
/// (see <see cref="OverlayWorkspace"/>), users come from the image's /etc/passwd and /etc/group,
/// and files get the owners the Dockerfile asks for (0:0 from the context).
/// </summary>
public sealed class LinuxFileWork : IFileWork
{
    public async Task<bool> MakeDirectoryAsync(StepRoot root, string path, string? user)
    {
        var made = false;
        await OverlayWorkspace.RunAsync(Workspace(root, null), (merged, _) => made = WithUsers(() => RootDirectory.Create(merged, path, user)));
        return made;
    }

    public async Task CopyAsync(StepRoot root, CopyRequest request)
    {
        // Before anything is linked into the upper dir: a copy outside rootless ibuild's user
        // namespace would only undo it (20,000 links made and removed, 0.7 s in bigctx).
        HostMode.Current.RequireUserNamespace("copying into a layer");
        if (request.Reuse is { PreviousSnapshot: not null } reuse && request.SourceDirectory is { } sourceDirectory)
        {
            try
            {
                using (var phase = BuildTrace.Phase("copy reuse"))
                {
                    reuse.StartFromPrevious(root.UpperDir, sourceDirectory);
                    phase.Arg("linked", reuse.Linked).Arg("removed", reuse.Removed);
                }

                await CopyOnceAsync(root, request);
                reuse.RemoveStale(root.UpperDir);
                BuildTrace.Annotate("copyKept", reuse.Kept);
                BuildTrace.Annotate("copyWritten", reuse.Rewritten);
                return;
            }
            catch (Exception error) when (error is not (UnknownUserException or UserNamespaceRequiredException))
            {
                // Whatever the incremental copy could not follow (or a failure the full copy will
                // report as it should): start again from an empty upper dir.
                BuildTrace.Annotate("copyReuseFallback", error.Message);
                reuse.FallBackToFullCopy();
                EmptyDirectory(root.UpperDir);
                EmptyDirectory(root.WorkDir);
            }
        }

        await CopyOnceAsync(root, request);
    }

    private static Task CopyOnceAsync(StepRoot root, CopyRequest request) =>
        OverlayWorkspace.RunAsync(Workspace(root, request.SourceLayers), (merged, source) => WithUsers(() =>
        {
            var (uid, gid) = request.Chown is { Length: > 0 } chown ? ImageUser.ResolveChown(merged, chown) : ((int?)null, (int?)null);
            var options = new CopyOptions(uid, gid, request.Chmod, request.UnpackArchives, request.Excludes, request.Parents);
            if (request.Contents.Count > 0)
            {
                FileCopier.CopyContents(request.Contents, merged, request.Destination, request.WorkingDirectory, options);
            }

            if (request.Sources.Count > 0)
            {
                var from = source ?? request.SourceDirectory ?? throw new ArgumentException("a copy of sources needs a source", nameof(request));
                FileCopier.Copy(from, source is null ? request.IsExcluded : null, request.Sources, merged, request.Destination, request.WorkingDirectory, options,
                    source is null ? request.Reuse : null);
            }

            return true;
        }));

    private static void EmptyDirectory(string path)
    {
        Directory.Delete(path, recursive: true);
        Directory.CreateDirectory(path);
    }

    public void CopyContext(BuildContext context, string source, string target) =>
        FileCopier.Copy(context.Root, context.IsExcluded, [source], target, "/", "/", CopyOptions.Default);

    public void SetOwner(string path, int uid, int gid) => PathOwner.Set(path, uid, gid);

    private static OverlayWorkspaceSpec Workspace(StepRoot root, IReadOnlyList<string>? sourceLayers) =>
        new(root.LowerDirs, root.UpperDir, root.WorkDir, root.MergedDir, sourceLayers, sourceLayers is null ? null : root.SourceDir);

    /// <summary>
    /// The sandbox's user lookups throw <see cref="SandboxException"/>; the engine knows them as
    /// <see cref="UnknownUserException"/>. An owner a rootless user namespace does not map
    /// (<see cref="RootlessException"/>: --chown, an ADD'd tar's entry) is a copy that cannot be done.
    /// </summary>
    private static bool WithUsers(Func<bool> work)
    {
        try
        {
            return work();
        }
        catch (SandboxException e)
        {
            throw new UnknownUserException(e.Message, e);
        }
        catch (RootlessException e)
        {
            throw new CopyException(e.Message, e);
        }
    }
}
