using System.Text;
using ImageBuilder.Build.Copying;
using ImageBuilder.Dockerfile;
using ImageBuilder.Linux.Mounts;
using ImageBuilder.Linux.Sandbox;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Engine;

internal sealed partial class StageRun
{
    /// <summary>
    /// ADD of http(s) URLs, copied like files of a directory. With one URL and --checksum the
    /// key is the checksum (the content is that), so a cache hit downloads nothing; otherwise the
    /// URLs are fetched first and the key is their content digests.
    /// </summary>
    private async Task<LayerChain> AddUrlsAsync(CopyStep copy, LayerChain chain, CancellationToken cancellationToken)
    {
        if (!copy.Sources.All(RemoteSource.IsUrl))
        {
            throw Located(ErrorCode.NotImplemented, "ADD with both URLs and local files is not supported yet; use one ADD for each", copy);
        }

        if (copy.Checksum is { Length: > 0 } checksum && copy.Sources.Count == 1)
        {
            return await StepAsync(copy, chain, [Encoding.UTF8.GetBytes(checksum)], async (dirs, lowers, _) =>
            {
                var downloads = Directory.CreateDirectory(Path.Combine(dirs.Scratch, "downloads")).FullName;
                var names = await FetchAllAsync(copy, downloads, cancellationToken);
                await ApplyDownloadsAsync(copy, dirs, lowers, downloads, names);
            }, cancellationToken);
        }

        var fetched = Store.CreateScratchDirectory();
        try
        {
            var names = await FetchAllAsync(copy, fetched, cancellationToken);
            var digests = string.Join('\n', names.Select(n => n.Digest));
            return await StepAsync(copy, chain, [Encoding.UTF8.GetBytes(digests)],
                (dirs, lowers, _) => ApplyDownloadsAsync(copy, dirs, lowers, fetched, names), cancellationToken);
        }
        finally
        {
            TryDelete(fetched);
        }
    }

    private async Task<List<(string Name, string Digest)>> FetchAllAsync(CopyStep copy, string directory, CancellationToken cancellationToken)
    {
        var fetched = new List<(string, string)>();
        foreach (var url in copy.Sources)
        {
            try
            {
                var (name, digest) = await RemoteSource.FetchAsync(url, directory, copy.Checksum, cancellationToken);
                fetched.Add((name, digest.ToString()));
            }
            catch (RemoteSourceException e)
            {
                throw CopyFailed(e.Reason, $"ADD failed: {e.Message}", copy);
            }
        }

        return fetched;
    }

    private Task ApplyDownloadsAsync(
        CopyStep copy, StepDirs dirs, IReadOnlyList<string> lowers, string downloads, IReadOnlyList<(string Name, string Digest)> files) =>
        shared.Runner.ApplyAsync(new OverlayWorkspaceSpec(lowers, dirs.Upper, dirs.Work, dirs.Merged), (root, _) =>
        {
            try
            {
                var (uid, gid) = copy.Chown is { Length: > 0 } chown ? ImageUser.ResolveChown(root, chown) : ((int?)null, (int?)null);
                var options = new CopyOptions(uid, gid, copy.Chmod, UnpackArchives: false, [], Parents: false);
                FileCopier.Copy(downloads, null, files.Select(f => f.Name).ToList(), root, copy.Destination, copy.WorkingDirectory, options);
            }
            catch (CopyException e)
            {
                throw CopyFailed(e.Reason, $"ADD failed: {e.Message}", copy);
            }
            catch (SandboxException e)
            {
                throw Located(ErrorCode.UnknownUser, $"ADD --chown: {e.Message}", copy);
            }
        });
}
