using System.Buffers.Binary;
using System.IO.Compression;
using ICSharpCode.SharpZipLib.Checksum;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Layers;

/// <summary>Compression, digests and reproducibility of the blob.</summary>
public sealed class LayerPackerBlobTests
{
    // Several chunks of tar (the packer cuts at 1 MiB), so the parallel paths run.
    private static FakeFileTree MultiChunkTree() => SampleTrees.KitchenSink()
        .GeneratedFile("data/a.bin", (3 * 1024 * 1024) + 333, seed: 1)
        .GeneratedFile("data/b.bin", 700_000, seed: 2)
        .File("data/c.txt", string.Concat(Enumerable.Repeat("hello layer\n", 50_000)));

    [Theory]
    [InlineData(LayerCompression.None)]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public async Task DiffId_hashes_the_tar_digest_hashes_the_blob_and_size_counts_it(LayerCompression compression)
    {
        var packed = await PackedBlob.PackAsync(MultiChunkTree(), new LayerPackOptions(compression));
        var tar = packed.Tar();

        Assert.Equal(PackedBlob.Sha256(tar), packed.Layer.DiffId.ToString());
        Assert.Equal(PackedBlob.Sha256(packed.Blob), packed.Layer.Digest.ToString());
        Assert.Equal(packed.Blob.Length, packed.Layer.Size);
        var entries = StrictTar.Read(tar);
        Assert.Equal(22, entries.Count);
        var big = entries.Single(e => e.Name == "data/a.bin").Content;
        Assert.Equal((3 * 1024 * 1024) + 333, big.Length);
        Assert.All(new[] { 0, 31, 32, 1 << 20, (1 << 20) + 63, big.Length - 1 }, i => Assert.Equal(FakeFileTree.GeneratedStream.At(i, 1), big[i]));
    }

    [Theory]
    [InlineData(LayerCompression.None)]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public async Task Two_packs_of_the_same_tree_are_byte_identical(LayerCompression compression)
    {
        var options = new LayerPackOptions(compression, SourceDateEpoch: new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));

        var first = await PackedBlob.PackAsync(MultiChunkTree(), options);
        var second = await PackedBlob.PackAsync(MultiChunkTree(), options);

        Assert.Equal(first.Blob, second.Blob);
        Assert.Equal(first.Layer, second.Layer);
    }

    [Fact]
    public async Task Gzip_is_one_member_whose_trailer_holds_the_crc_and_length_of_the_tar()
    {
        var packed = await PackedBlob.PackAsync(MultiChunkTree(), new LayerPackOptions(LayerCompression.Gzip));
        var tar = packed.Tar();
        var blob = packed.Blob;

        Assert.Equal(new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff }, blob[..10]);
        // The raw deflate stream between header and trailer must hold the whole tar: a second
        // member would stop it early.
        using var inflated = new MemoryStream();
        using (var deflate = new DeflateStream(new MemoryStream(blob[10..^8]), CompressionMode.Decompress))
        {
            deflate.CopyTo(inflated);
        }

        Assert.Equal(tar, inflated.ToArray());
        var crc = new Crc32();
        crc.Update(tar);
        Assert.Equal((uint)crc.Value, BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(blob.Length - 8)));
        Assert.Equal((uint)tar.Length, BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(blob.Length - 4)));
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(6, 0)]
    [InlineData(9, 2)]
    public async Task Every_gzip_level_decodes_and_gzip_t_accepts_it(int level, byte extraFlags)
    {
        var packed = await PackedBlob.PackAsync(MultiChunkTree(), new LayerPackOptions(LayerCompression.Gzip, GzipLevel: level));
        using var dir = new TempDirectory();
        var path = dir.Combine("layer.tar.gz");
        await File.WriteAllBytesAsync(path, packed.Blob);

        ExternalTool.Run("gzip", "-t", path);
        Assert.Equal(PackedBlob.Sha256(packed.Tar()), packed.Layer.DiffId.ToString());
        Assert.Equal(extraFlags, packed.Blob[8]);
    }

    [Fact]
    public async Task Higher_gzip_levels_compress_text_better()
    {
        var fast = await PackedBlob.PackAsync(MultiChunkTree(), new LayerPackOptions(LayerCompression.Gzip, GzipLevel: 1));
        var best = await PackedBlob.PackAsync(MultiChunkTree(), new LayerPackOptions(LayerCompression.Gzip, GzipLevel: 9));

        Assert.True(best.Blob.Length < fast.Blob.Length, $"level 9: {best.Blob.Length} bytes, level 1: {fast.Blob.Length}");
    }

    [Fact]
    public async Task Zstd_is_one_frame_with_a_checksum_that_zstdsharp_decodes()
    {
        var packed = await PackedBlob.PackAsync(MultiChunkTree(), new LayerPackOptions(LayerCompression.Zstd));

        Assert.Equal(new byte[] { 0x28, 0xb5, 0x2f, 0xfd }, packed.Blob[..4]); // frame magic
        Assert.True((packed.Blob[4] & 0x04) != 0, "content checksum flag");
        Assert.Equal(PackedBlob.Sha256(packed.Tar()), packed.Layer.DiffId.ToString());
        Assert.True(packed.Blob.Length < packed.Tar().Length);
    }

    [Fact]
    public async Task The_plain_tar_blob_is_the_tar_and_its_digest_the_diff_id()
    {
        var packed = await PackedBlob.PackAsync(MultiChunkTree(), new LayerPackOptions(LayerCompression.None));

        Assert.Equal(packed.Layer.DiffId, packed.Layer.Digest);
    }

    [Fact]
    public async Task The_output_is_written_from_its_current_position_and_left_open()
    {
        using var output = new MemoryStream();
        output.Write("prefix"u8);

        var layer = await new LayerPacker(SampleTrees.KitchenSink()).PackAsync("/", output, new LayerPackOptions(), CancellationToken.None);

        output.WriteByte(1); // still open
        Assert.Equal(6 + layer.Size + 1, output.Length);
        Assert.Equal(PackedBlob.Sha256(output.ToArray()[6..^1]), layer.Digest.ToString());
    }

    [Theory]
    [InlineData(LayerCompression.None)]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public async Task A_failing_output_fails_the_pack_with_its_own_error(LayerCompression compression)
    {
        var output = new FailingStream();

        var error = await Assert.ThrowsAsync<IOException>(() =>
            new LayerPacker(MultiChunkTree()).PackAsync("/", output, new LayerPackOptions(compression), CancellationToken.None));

        Assert.Equal("disk full", error.Message);
    }

    [Fact]
    public async Task A_cancelled_pack_stops()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new LayerPacker(MultiChunkTree()).PackAsync("/", Stream.Null, new LayerPackOptions(), cancel.Token));
    }

    [Theory]
    [InlineData(LayerCompression.None)]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public async Task A_pack_cancelled_while_its_output_is_stuck_stops_once_the_output_returns(LayerCompression compression)
    {
        // 16 MiB of tar: more chunks than every queue between the walk and the output holds.
        var tree = new FakeFileTree().GeneratedFile("big.bin", 16 << 20, seed: 3);
        var output = new StuckStream();
        using var cancel = new CancellationTokenSource();

        var pack = Task.Run(() => new LayerPacker(tree).PackAsync("/", output, new LayerPackOptions(compression), cancel.Token));
        await output.Entered;
        await cancel.CancelAsync();
        output.Release();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pack);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public async Task Gzip_levels_outside_1_to_9_are_refused(int level)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            new LayerPacker(new FakeFileTree()).PackAsync("/", Stream.Null, new LayerPackOptions(GzipLevel: level), CancellationToken.None));
    }

    /// <summary>An output whose first write waits until <see cref="Release"/>, as a stuck disk.</summary>
    private sealed class StuckStream : Stream
    {
        private readonly TaskCompletionSource entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim released = new();

        public Task Entered => entered.Task;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public void Release() => released.Set();

        public override void Write(byte[] buffer, int offset, int count)
        {
            entered.TrySetResult();
            released.Wait();
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write([], 0, buffer.Length);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                released.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class FailingStream : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("disk full");

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
