using System.Text;
using ImageBuilder.Dockerfile;
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
            // A cache hit downloads nothing: the checksum is the content's digest.
            shared.Downloads.Enqueue(new RemoteDownload(copy.Sources[0], checksum));
            return await StepAsync(copy, chain, [Encoding.UTF8.GetBytes(checksum)], async (root, _) =>
            {
                var downloads = Directory.CreateDirectory(Path.Combine(root.ScratchDir, "downloads")).FullName;
                var names = await FetchAllAsync(copy, downloads, cancellationToken);
                await ApplyDownloadsAsync(copy, root, downloads, names);
            }, cancellationToken);
        }

        var fetched = Store.CreateScratchDirectory();
        try
        {
            var names = await FetchAllAsync(copy, fetched, cancellationToken);
            var digests = string.Join('\n', names.Select(n => n.Digest));
            return await StepAsync(copy, chain, [Encoding.UTF8.GetBytes(digests)],
                (root, _) => ApplyDownloadsAsync(copy, root, fetched, names), cancellationToken);
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
                if (copy.Checksum is not { Length: > 0 } || copy.Sources.Count > 1)
                {
                    shared.Downloads.Enqueue(new RemoteDownload(url, digest.ToString()));
                }
            }
            catch (RemoteSourceException e)
            {
                throw CopyFailed(e.Reason, $"ADD failed: {e.Message}", copy);
            }
        }

        return fetched;
    }

    private Task ApplyDownloadsAsync(CopyStep copy, StepRoot root, string downloads, IReadOnlyList<(string Name, string Digest)> files) =>
        CopyAsync(copy, root, new CopyRequest(
            downloads, null, null, files.Select(f => f.Name).ToList(), [], copy.Destination, copy.WorkingDirectory, copy.Chown, copy.Chmod,
            UnpackArchives: false, [], Parents: false));
}
