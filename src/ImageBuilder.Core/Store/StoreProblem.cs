namespace ImageBuilder.Core.Store;

/// <summary>What kind of damage <see cref="StoreChecker"/> found.</summary>
public enum StoreDamage
{
    /// <summary>A blob whose content does not hash to its name.</summary>
    CorruptBlob,

    /// <summary>An index.json entry (a tag, or an untagged image) whose manifest, config or layers are
    /// missing, corrupt, of another size than their descriptor says, or do not agree with each other.</summary>
    BrokenImage,

    /// <summary>A snapshot whose files are not those of the layer it stands for.</summary>
    BrokenSnapshot,

    /// <summary>A build cache record (or converted-layer record) that is damaged or names a blob that is missing or corrupt.</summary>
    BrokenRecord,

    /// <summary>index.json itself cannot be read; no tag can be trusted, and fsck does not guess.</summary>
    DamagedIndex,

    /// <summary>Scratch that a killed ibuild left.</summary>
    LeftoverScratch,
}

/// <summary>
/// One problem: what (<see cref="Damage"/>), which object (<see cref="Subject"/>: a digest, a
/// tag, a path), and why (<see cref="Reason"/>). <see cref="Repair"/> says what a repair did
/// about it (null: nothing, the problem remains).
/// </summary>
public sealed record StoreProblem(StoreDamage Damage, string Subject, string Reason)
{
    public string? Repair { get; init; }

    public bool Repaired => Repair is not null;

    /// <summary>What a repair removes: a blob or snapshot digest, a record or scratch path, an index.json entry.</summary>
    internal object? Target { get; init; }
}

/// <summary>What <see cref="StoreChecker.CheckAsync"/> looked at and found.</summary>
/// <param name="Unverified">Snapshots that neither have a record nor belong to an image (prune removes them).</param>
public sealed record StoreCheckReport(
    IReadOnlyList<StoreProblem> Problems, int Blobs, int Images, int Snapshots, int Records, int Unverified)
{
    /// <summary>Problems a repair did not fix (all of them when there was no repair).</summary>
    public int Remaining => Problems.Count(p => !p.Repaired);
}
