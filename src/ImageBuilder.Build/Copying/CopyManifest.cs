using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImageBuilder.Core.Layers;

namespace ImageBuilder.Build.Copying;

/// <summary>
/// One entry a COPY wrote: the source (its path inside the source root once resolved), whether it
/// is a directory, whether the copy created that directory (rather than finding it in the image),
/// and a fingerprint of everything the entry was written from (kind, mode, owner, time, size, link
/// target, extended attributes and, for a file, the sha256 of its content) — null when the entry
/// may never be reused (a file of a hard-link group, a file whose content hash was not known).
/// </summary>
public sealed record CopyManifestEntry(string Source, bool Directory, bool Created, string? Fingerprint);

/// <summary>What one COPY wrote, by destination path (relative to the root): the memory an incremental COPY starts from.</summary>
public sealed class CopyManifest
{
    private const int FormatVersion = 1;

    public Dictionary<string, CopyManifestEntry> Entries { get; } = new(StringComparer.Ordinal);

    /// <summary>The fingerprint of <paramref name="entry"/> as written (a file's content by <paramref name="contentHash"/>); a directory's leaves out its time, which the copy sets last anyway.</summary>
    public static string Fingerprint(FileTreeEntry entry, string? contentHash)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{entry.Kind}\0{entry.Mode}\0{entry.Uid}\0{entry.Gid}\0");
        if (entry.Kind != FileTreeEntryKind.Directory)
        {
            text.Append(CultureInfo.InvariantCulture, $"{entry.ModificationTime.UtcTicks}\0{entry.Size}\0{entry.LinkTarget}\0{entry.DeviceMajor}\0{entry.DeviceMinor}\0{contentHash}\0");
        }

        foreach (var (name, value) in entry.ExtendedAttributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append('\0').Append(Convert.ToHexStringLower(value)).Append('\0');
        }

        return Convert.ToHexStringLower(Core.Hashing.Sha256.Hash(Encoding.UTF8.GetBytes(text.ToString())).AsSpan(0, 16));
    }

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("version", FormatVersion);
            json.WriteStartArray("entries");
            foreach (var (target, entry) in Entries)
            {
                json.WriteStartArray();
                json.WriteStringValue(target);
                json.WriteStringValue(entry.Source);
                json.WriteStringValue(entry.Directory ? (entry.Created ? "D" : "d") : "f");
                json.WriteStringValue(entry.Fingerprint);
                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The manifest in <paramref name="json"/>, or null when it is damaged or of another version (then the COPY is a full one).</summary>
    public static CopyManifest? TryParse(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.GetProperty("version").GetInt32() != FormatVersion)
            {
                return null;
            }

            var manifest = new CopyManifest();
            foreach (var item in root.GetProperty("entries").EnumerateArray())
            {
                var kind = item[2].GetString();
                manifest.Entries[item[0].GetString() ?? throw new JsonException("an entry without a path")] = new CopyManifestEntry(
                    item[1].GetString() ?? throw new JsonException("an entry without a source"), kind is "D" or "d", kind == "D", item[3].GetString());
            }

            return manifest;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
