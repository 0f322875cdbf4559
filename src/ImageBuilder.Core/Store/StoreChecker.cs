using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

/// <summary>
/// <c>ibuild fsck</c>: checks every object of the store against what names it, and with
/// <c>repair</c> removes what is broken, so that the next build, pull or load makes it again.
/// </summary>
/// <remarks>
/// <para>What is checked, in this order: every blob is hashed again (its name is its digest);
/// every index.json entry's manifest, config and layers are present, whole (not corrupt) and of
/// the size their descriptor says, the manifest has one layer per config diff id, and each layer
/// unpacks to its diff id (an uncompressed layer's digest is its diff id; others are
/// decompressed and hashed; a layer a build has not written yet — a <see cref="LazyBlobRecord"/> —
/// must be makeable: its snapshot packs, into nothing, to its digest); every snapshot is re-packed
/// and compared (below); every build cache, converted-layer and lazy blob record parses and names a
/// whole (or makeable) blob of the size it says; scratch is
/// reported when no writer runs (a writer's own scratch is in use, not left over).</para>
/// <para>Snapshots. A snapshot is a directory, not a tar, so "does it match the diff id" means
/// "would packing it give that layer". A build records, when it makes a snapshot, the diff id
/// the packer computed from that very directory and the SOURCE_DATE_EPOCH it packed with
/// (<see cref="SnapshotRecord"/>): fsck packs the snapshot again the same way (uncompressed, into
/// nothing) and compares — one read of the snapshot, exact, modification times included. A
/// snapshot unpacked from a blob (a base image, a load, a pull, a cache hit) has no such record,
/// and re-packing it does not give the original tar back (another tar writer made that one):
/// it is compared with a fresh unpack of its blob instead, both packed with every time clamped
/// to 0, so names, kinds, modes, owners, xattrs, link targets and contents count but times do
/// not; when they agree the snapshot gets a record (times clamped the same way) and later checks
/// take the cheap path. A snapshot no image uses and without a record cannot be checked; it is
/// counted as unverified and left for prune.</para>
/// <para>Locks. A check holds gc.lock shared, as writers do, so a prune cannot remove what it is
/// looking at; a repair holds it exclusively (as prune does) from the first check to the last
/// removal, so no build, pull or import runs meanwhile and nothing it judged can change. A repair
/// removes only what the check found broken: corrupt blobs, broken snapshots, broken records,
/// index.json entries whose image is broken, leftover scratch. Healthy blobs of a broken image
/// stay (prune removes them once nothing names them). A damaged index.json is reported, never
/// rewritten.</para>
/// </remarks>
public sealed partial class StoreChecker(ContentStore store, IFileTreeReader reader, IFileTreeWriter writer)
{
    private readonly List<StoreProblem> problems = [];

    /// <summary>Blobs whose content hashes to something else: name → actual digest.</summary>
    private readonly Dictionary<Digest, Digest> corrupt = [];

    /// <summary>Checks the store; with <paramref name="repair"/>, removes what is broken.</summary>
    /// <exception cref="StoreException">LockTimeout when writers hold the store for too long.</exception>
    public async Task<StoreCheckReport> CheckAsync(bool repair, CancellationToken cancellationToken)
    {
        var leftovers = LeftoverScratch();
        using var held = repair ? store.ExcludeWriters() : store.ProtectNewContent();
        if (repair)
        {
            // No writer can run now: everything in scratch is left over.
            leftovers = store.ListScratch();
        }

        var blobs = await CheckBlobsAsync(cancellationToken);
        var images = await CheckImagesAsync(cancellationToken);
        var (snapshots, unverified) = await CheckSnapshotsAsync(cancellationToken);
        var records = await CheckRecordsAsync(cancellationToken);
        foreach (var entry in leftovers)
        {
            problems.Add(new StoreProblem(StoreDamage.LeftoverScratch, Relative(entry), "left by an ibuild process that is gone") { Target = entry });
        }

        if (repair)
        {
            Repair();
        }

        return new StoreCheckReport(problems.ToList(), blobs, images, snapshots, records, unverified);
    }

    /// <summary>Scratch entries, when no writer runs right now (otherwise nothing can be called left over).</summary>
    private IReadOnlyList<string> LeftoverScratch()
    {
        using var noWriters = store.TryExcludeWriters();
        return noWriters is null ? [] : store.ListScratch();
    }

    private string Relative(string path) => Path.GetRelativePath(store.Root, path);
}
