using System.Security.Cryptography;
using System.Text;
using ImageBuilder.Build.Context;
using ImageBuilder.Build.Copying;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Dockerfile;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Engine;

internal sealed partial class StageRun
{
    private async Task<LayerChain> CopyStepAsync(CopyStep copy, LayerChain chain, CancellationToken cancellationToken)
    {
        if (copy.Repositories.Count > 0)
        {
            return await AddGitAsync(copy, chain, cancellationToken);
        }

        if (copy.IsAdd && copy.Sources.Any(RemoteSource.IsUrl))
        {
            return await AddUrlsAsync(copy, chain, cancellationToken);
        }

        IReadOnlyList<string>? sourceLayers = null;
        byte[] sourceKey;
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (copy.Source)
        {
            case ContextSource contextSource:
                sourceKey = copy.Sources.Count == 0 ? [] : Encoding.UTF8.GetBytes(ContextChecksum(copy, contextSource, files).ToString());
                break;
            case StageSource stageSource:
                var other = (await stageResult(stageSource.StageIndex)).Chain;
                RequireMountable(copy, other.Layers.Count, $"--from stage {stageSource.StageIndex}");
                sourceKey = Encoding.UTF8.GetBytes(other.Key.ToString());
                sourceLayers = other.LowerDirs(Store);
                break;
            case ImageSource imageSource:
                var image = await ImageChainAsync(imageSource.Image, cancellationToken);
                RequireMountable(copy, image.Layers.Count, "--from image");
                sourceKey = Encoding.UTF8.GetBytes(image.Key.ToString());
                sourceLayers = image.LowerDirs(Store);
                break;
            default:
                throw new InvalidOperationException("unknown copy source");
        }

        var lineage = copy.Source is ContextSource && copy.Sources.Count > 0 && copy.Contents.Count == 0 ? Lineage(copy, chain) : (Digest?)null;
        CopyReuse? reuse = null;
        var result = await StepAsync(copy, chain, [sourceKey], (root, _) =>
        {
            // The context is read only when the step copies from it (a heredoc alone needs none).
            var context = copy.Source is ContextSource contextSource && copy.Sources.Count > 0 ? shared.Contexts.Of(contextSource) : null;
            reuse = lineage is { } key && context is not null ? PreviousCopy(key, context) : null;
            var request = new CopyRequest(
                context?.Root, context is null ? null : context.IsExcluded, sourceLayers, copy.Sources, copy.Contents.Select(c => (c.Name, c.Data)).ToList(),
                copy.Destination, copy.WorkingDirectory, copy.Chown, copy.Chmod, copy.IsAdd && copy.Unpack, copy.Excludes, copy.Parents, reuse);
            return CopyAsync(copy, root, request);
        }, cancellationToken, files);

        if (lineage is { } done && reuse?.Written is { } written && result.ChainIds.Count > chain.ChainIds.Count)
        {
            using var phase = BuildTrace.Phase("copy record").Arg("entries", written.Entries.Count);
            Store.WriteCopyRecord(done, result.ChainIds[^1], written.ToJson());
        }

        return result;
    }

    /// <summary>
    /// The step apart from its sources' content: what stays the same when only the sources change
    /// (parent chain — its key and its content, which a RUN under --no-cache may change under the
    /// same key —, instruction, destination, options).
    /// </summary>
    private static Digest Lineage(CopyStep copy, LayerChain chain)
    {
        var content = chain.ChainIds.Count > 0 ? chain.ChainIds[^1].ToString() : "";
        return Digest.Parse("sha256:" + Convert.ToHexStringLower(Core.Hashing.Sha256.Hash(
            [.. "copy lineage 2\n"u8, .. Encoding.UTF8.GetBytes(chain.Key + "\n" + content + "\n"), .. copy.Describe()])));
    }

    /// <summary>The copy's memory: what its last run on this chain wrote (and that run's snapshot), when the store still has both.</summary>
    private CopyReuse PreviousCopy(Digest lineage, BuildContext context)
    {
        var hashes = context.KnownContentHash;
        using var phase = BuildTrace.Phase("copy record lookup");
        return Store.FindCopyRecord(lineage) is { } found && CopyManifest.TryParse(found.Manifest) is { } previous
            ? new CopyReuse(hashes, Store.SnapshotPath(found.ChainId), previous)
            : new CopyReuse(hashes);
    }

    private Digest ContextChecksum(CopyStep copy, ContextSource source, Dictionary<string, string> files)
    {
        try
        {
            return shared.Contexts.Of(source).Checksum(copy.Sources, listing: files);
        }
        catch (BuildContextException e)
        {
            throw CopyFailed(e.Reason, $"{copy.Instruction.Keyword} failed: {e.Message}", copy, "check the path, and that .dockerignore does not exclude it");
        }
    }

    /// <summary>The copy itself, its failures located at the step.</summary>
    private async Task CopyAsync(CopyStep copy, StepRoot root, CopyRequest request)
    {
        try
        {
            using var phase = BuildTrace.Phase("copy");
            await shared.Machine.Files.CopyAsync(root, request);
        }
        catch (CopyException e)
        {
            throw CopyFailed(e.Reason, $"{copy.Instruction.Keyword} failed: {e.Message}", copy);
        }
        catch (UnknownUserException e)
        {
            throw Located(BuildErrors.UnknownUser, $"{copy.Instruction.Keyword} --chown: {e.Message}", copy);
        }
    }
}
