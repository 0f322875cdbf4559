using System.Diagnostics;
using System.IO.Abstractions;
using System.Text;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Store;

/// <summary>
/// The store on a real disk: what an in-memory file system cannot show (the on-disk layout,
/// blobs that appear whole or not at all, flock between processes, snapshots). The bookkeeping
/// is in <see cref="ContentStoreLogicTests"/>.
/// </summary>
public sealed class ContentStoreTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FileSystem fs = new();

    public void Dispose() => dir.Dispose();

    private ContentStore Open() => ContentStore.Open(fs, dir.Combine("store"));

    [Fact]
    public void A_new_store_is_an_oci_image_layout()
    {
        var store = Open();

        Assert.Equal("{\"imageLayoutVersion\":\"1.0.0\"}", File.ReadAllText(dir.Combine("store", "oci-layout")));
        Assert.Contains("\"manifests\":[]", File.ReadAllText(dir.Combine("store", "index.json")));
        Assert.True(Directory.Exists(dir.Combine("store", "blobs", "sha256")));
        Assert.Empty(store.ListBlobs());
    }

    [Fact]
    public void A_new_store_is_private_to_its_owner_and_an_existing_one_keeps_its_mode()
    {
        Open();
        var existing = dir.Combine("existing");
        Directory.CreateDirectory(existing, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        ContentStore.Open(fs, existing);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir.Combine("store")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(existing));
    }

    [Fact]
    public void A_store_claimed_by_root_is_refused_to_rootless_ibuild_and_the_reverse()
    {
        Open().ClaimOwner("root");
        Open().ClaimOwner("root");
        ContentStore.Open(fs, dir.Combine("other")).ClaimOwner("a user namespace with uids 0→1000 (1)");

        var refused = Assert.Throws<StoreException>(() => Open().ClaimOwner("a user namespace with uids 0→1000 (1)"));
        var reverse = Assert.Throws<StoreException>(() => ContentStore.Open(fs, dir.Combine("other")).ClaimOwner("root"));

        Assert.Equal(StoreError.WrongOwner, refused.Reason);
        Assert.Contains("belongs to ibuild as root", refused.Message);
        Assert.Contains("belongs to ibuild as a user namespace with uids 0→1000 (1)", reverse.Message);
    }

    [Fact]
    public void Blob_is_stored_under_its_digest_and_reads_back()
    {
        var store = Open();
        var content = Encoding.UTF8.GetBytes("hello layer");

        var digest = store.WriteBlob(content);

        Assert.Equal(Digest.Sha256(content), digest);
        Assert.Equal(content, File.ReadAllBytes(dir.Combine("store", "blobs", "sha256", digest.Encoded)));
        Assert.Equal(content, store.ReadBlob(digest));
        Assert.Equal(content.Length, store.BlobSize(digest));
    }

    [Fact]
    public async Task Writing_the_same_content_twice_is_harmless_and_leaves_no_temporary_files()
    {
        var store = Open();
        var content = new byte[100_000];
        Random.Shared.NextBytes(content);

        var first = await store.WriteBlobAsync(new MemoryStream(content), null, CancellationToken.None);
        var second = await store.WriteBlobAsync(new MemoryStream(content), first.Digest, CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Single(store.ListBlobs());
        Assert.Empty(store.ListScratch());
    }

    [Fact]
    public async Task Content_that_does_not_match_its_expected_digest_is_refused_and_not_stored()
    {
        var store = Open();
        var wrong = Digest.Sha256("other"u8);

        var error = await Assert.ThrowsAsync<StoreException>(() =>
            store.WriteBlobAsync(new MemoryStream("content"u8.ToArray()), wrong, CancellationToken.None));

        Assert.Equal(StoreError.DigestMismatch, error.Reason);
        Assert.Empty(store.ListBlobs());
        Assert.Empty(store.ListScratch());
    }

    [Fact]
    public void A_blob_abandoned_midway_is_never_visible()
    {
        var store = Open();

        using (var writer = store.BeginBlob())
        {
            writer.Stream.Write(new byte[4096]);
        }

        Assert.Empty(store.ListBlobs());
        Assert.Empty(store.ListScratch());
    }

    [Fact]
    public void Missing_blob_is_a_store_error()
    {
        var store = Open();

        var error = Assert.Throws<StoreException>(() => store.OpenBlob(Digest.Sha256("nothing"u8)));

        Assert.Equal(StoreError.BlobNotFound, error.Reason);
    }

    [Fact]
    public async Task Snapshot_appears_only_when_filled_completely()
    {
        var store = Open();
        var chainId = Digest.Sha256("chain"u8);

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.EnsureSnapshotAsync(chainId, scratch =>
        {
            File.WriteAllText(Path.Combine(scratch, "half"), "x");
            throw new InvalidOperationException("killed midway");
        }, CancellationToken.None));
        Assert.False(store.HasSnapshot(chainId));
        Assert.Empty(store.ListScratch());

        var path = await store.EnsureSnapshotAsync(chainId, scratch =>
        {
            File.WriteAllText(Path.Combine(scratch, "file"), "done");
            return Task.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal("done", File.ReadAllText(Path.Combine(path, "file")));
        Assert.Equal([chainId], store.ListSnapshots());
    }

    [Fact]
    public void Store_lock_is_exclusive_between_processes()
    {
        var store = Open();
        using (store.Lock())
        {
            // flock(1) asks the kernel for the same lock ibuild takes; it must not get it.
            var other = Process.Start(new ProcessStartInfo("flock", ["--nonblock", dir.Combine("store", "ibuild", "lock"), "true"])
            {
                RedirectStandardError = true,
            })!;
            other.WaitForExit();
            Assert.NotEqual(0, other.ExitCode);
        }

        var after = Process.Start("flock", ["--nonblock", dir.Combine("store", "ibuild", "lock"), "true"]);
        after.WaitForExit();
        Assert.Equal(0, after.ExitCode);
    }

    [Fact]
    public async Task Prune_waits_while_new_content_is_being_added()
    {
        var store = Open();
        var orphan = store.WriteBlob("written by an import that has not tagged yet"u8);
        var pruning = Task.CompletedTask;
        using (store.ProtectNewContent())
        {
            pruning = Task.Run(store.Prune);
            await Task.Delay(300);
            Assert.False(pruning.IsCompleted);
            Assert.True(store.HasBlob(orphan));
        }

        await pruning;
        Assert.False(store.HasBlob(orphan));
    }

    [Fact]
    public void Chain_ids_follow_the_oci_rule()
    {
        var a = Digest.Sha256("a"u8);
        var b = Digest.Sha256("b"u8);

        var chain = ChainId.All([a, b]);

        Assert.Equal(a, chain[0]);
        Assert.Equal(Digest.Sha256(Encoding.ASCII.GetBytes($"{a} {b}")), chain[1]);
    }
}
