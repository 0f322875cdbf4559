using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Linux.Layers;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>
/// ibuild's packer and unpacker against each other on a real overlayfs-style upper dir:
/// what the unpacker writes into a snapshot must read back as exactly the tree that was
/// packed, whiteouts and opaque directories included, for every compression.
/// </summary>
public sealed class PackUnpackRoundTripTests
{
    [RootTheory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    [InlineData(LayerCompression.None)]
    public async Task Every_entry_kind_survives_pack_then_unpack(LayerCompression compression)
    {
        using var upper = LayerPackingTests.BuildUpper();
        using var dir = new TempDirectory();
        var layer = dir.Combine("layer");
        PackedLayer packed;
        await using (var output = File.Create(layer))
        {
            packed = await new LayerPacker(new FileTreeReader()).PackAsync(upper.Root, output, new LayerPackOptions(compression), CancellationToken.None);
        }

        var snapshot = dir.Combine("snapshot");
        Directory.CreateDirectory(snapshot);
        UnpackedLayer unpacked;
        await using (var input = File.OpenRead(layer))
        {
            unpacked = await new LayerUnpacker(new FileTreeWriter()).UnpackAsync(input, snapshot, CancellationToken.None);
        }

        Assert.Equal(packed.DiffId, unpacked.DiffId);
        // A whiteout is a name only: its mode (0 for a char device, the file's for the xattr
        // form) is not part of the layer, so it is left out of the comparison.
        static FileTreeEntry Comparable(FileTreeEntry e) => e.Kind == FileTreeEntryKind.Whiteout ? e with { Mode = 0 } : e;
        var expected = new FileTreeReader().Enumerate(upper.Root).Select(Comparable).ToList();
        var actual = new FileTreeReader().Enumerate(snapshot).Select(Comparable).ToList();
        Assert.Equal(expected.Select(LayerPackingTests.Describe), actual.Select(LayerPackingTests.Describe));
        Assert.Equal(
            expected.Select(e => e.ModificationTime.ToUnixTimeSeconds()),
            actual.Select(e => e.ModificationTime.ToUnixTimeSeconds()));
        Assert.Contains(actual, e => e.Kind == FileTreeEntryKind.Whiteout);
        Assert.Contains(actual, e => e.Opaque);
        Assert.Contains(actual, e => e.Kind == FileTreeEntryKind.Hardlink);
    }

    [RootFact]
    public async Task The_same_tree_with_source_date_epoch_packs_to_the_same_digests()
    {
        using var upper = LayerPackingTests.BuildUpper();
        var epoch = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var digests = new List<(Digest, Digest)>();
        for (var i = 0; i < 2; i++)
        {
            using var output = new MemoryStream();
            var packed = await new LayerPacker(new FileTreeReader())
                .PackAsync(upper.Root, output, new LayerPackOptions(LayerCompression.Gzip, SourceDateEpoch: epoch), CancellationToken.None);
            digests.Add((packed.DiffId, packed.Digest));
            Assert.Equal(packed.Digest, Digest.Sha256(output.ToArray()));
        }

        Assert.Equal(digests[0], digests[1]);
    }
}
