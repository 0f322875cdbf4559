using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

/// <summary>
/// What a build step produced, kept under its cache key: when it was first made (the history
/// timestamp, so that a cached rebuild gives the same image) and its layer, if it changed files.
/// </summary>
public sealed record CacheRecord(string Created, Descriptor? Layer, Digest? DiffId)
{
    public byte[] ToJson() => RecordJson.Write(json =>
    {
        json.WriteString("created", Created);
        if (Layer is { } layer && DiffId is { } diffId)
        {
            json.WriteString("mediaType", layer.MediaType);
            json.WriteString("digest", layer.Digest.ToString());
            json.WriteNumber("size", layer.Size);
            json.WriteString("diffID", diffId.ToString());
        }
    });

    /// <summary>The record in <paramref name="json"/>, or null when it is damaged (a damaged record is a cache miss).</summary>
    public static CacheRecord? TryParse(byte[] json) => RecordJson.TryRead(json, root =>
    {
        var created = root.GetProperty("created").GetString() ?? "";
        if (!root.TryGetProperty("digest", out var digest))
        {
            return new CacheRecord(created, null, null);
        }

        var layer = new Descriptor
        {
            MediaType = root.GetProperty("mediaType").GetString()!,
            Digest = Digest.Parse(digest.GetString()!),
            Size = root.GetProperty("size").GetInt64(),
        };
        return new CacheRecord(created, layer, Digest.Parse(root.GetProperty("diffID").GetString()!));
    });
}
