using System.Text;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

// What the last run of a COPY step wrote, kept so that its next run (some sources changed) can
// start from that run's snapshot: ibuild/copies/<lineage hex>, the snapshot's chain id on the first
// line, then the copy's manifest (opaque here). Not flushed to disk: a lost record costs one full copy.
public sealed partial class ContentStore
{
    internal string CopyRecordsPath => Path(OwnPath, "copies");

    /// <summary>The snapshot that the step <paramref name="lineage"/> last made and the manifest kept with it; null when there is none or its snapshot is gone.</summary>
    public (Digest ChainId, byte[] Manifest)? FindCopyRecord(Digest lineage)
    {
        var path = Path(CopyRecordsPath, lineage.Encoded);
        byte[] content;
        try
        {
            content = FileSystem.File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        var newline = Array.IndexOf(content, (byte)'\n');
        return newline > 0 && Digest.TryParse(Encoding.UTF8.GetString(content, 0, newline), out var chainId) && HasSnapshot(chainId)
            ? (chainId, content[(newline + 1)..])
            : null;
    }

    /// <summary>Remembers (atomically, replacing the last one) that the step <paramref name="lineage"/> made the snapshot <paramref name="chainId"/>, described by <paramref name="manifest"/>.</summary>
    public void WriteCopyRecord(Digest lineage, Digest chainId, byte[] manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        FileSystem.Directory.CreateDirectory(CopyRecordsPath);
        string temp;
        using (var stream = CreateTemporaryFile(out temp))
        {
            stream.Write(Encoding.UTF8.GetBytes(chainId + "\n"));
            stream.Write(manifest);
        }

        FileSystem.File.Move(temp, Path(CopyRecordsPath, lineage.Encoded), overwrite: true);
    }

    /// <summary>Drops the copy records whose snapshot is gone (after a prune).</summary>
    private void RemoveDanglingCopyRecords()
    {
        if (!FileSystem.Directory.Exists(CopyRecordsPath))
        {
            return;
        }

        foreach (var file in FileSystem.Directory.EnumerateFiles(CopyRecordsPath).ToList())
        {
            if (!Digest.TryParse("sha256:" + FileSystem.Path.GetFileName(file), out var lineage) || FindCopyRecord(lineage) is null)
            {
                FileSystem.File.Delete(file);
            }
        }
    }
}
