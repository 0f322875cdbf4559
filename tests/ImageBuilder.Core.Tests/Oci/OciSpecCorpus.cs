using System.Text.Json;
using ImageBuilder.Core.Oci;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Oci;

/// <summary>One document of testdata/conformance/oci-image-spec, as its index.json lists it.</summary>
public sealed record OciSpecDocument(string File, string Schema, string MediaType, bool Valid, bool SchemaOnlyValid, string Comment)
{
    public byte[] Bytes() => System.IO.File.ReadAllBytes(OciSpecCorpus.PathOf(File));

    public override string ToString() => File;
}

/// <summary>The vendored OCI image-spec schemas, tests and examples.</summary>
public static class OciSpecCorpus
{
    private static readonly Lazy<IReadOnlyList<OciSpecDocument>> All = new(Load);

    public static IReadOnlyList<OciSpecDocument> Documents => All.Value;

    public static string PathOf(string file) => RepoPaths.TestData(["conformance", "oci-image-spec", .. file.Split('/')]);

    public static OciSpecDocument Get(string file) => Documents.Single(document => document.File == file);

    /// <summary>The document's file names, for [MemberData].</summary>
    public static TheoryData<string> Files(Func<OciSpecDocument, bool> filter)
    {
        var data = new TheoryData<string>();
        foreach (var document in Documents.Where(filter))
        {
            data.Add(document.File);
        }

        return data;
    }

    /// <summary>
    /// Reads a document with ibuild's model for its media type, which applies the
    /// rules beyond the schema; returns the canonical bytes it writes back.
    /// </summary>
    public static byte[] ReadAndWrite(string mediaType, byte[] json) => mediaType switch
    {
        MediaTypes.OciManifest or MediaTypes.DockerManifest => OciJson.Serialize(OciJson.Deserialize<ImageManifest>(json)),
        MediaTypes.OciIndex or MediaTypes.DockerManifestList => OciJson.Serialize(OciJson.Deserialize<ImageIndex>(json)),
        MediaTypes.OciConfig or MediaTypes.DockerConfig => OciJson.Serialize(OciJson.Deserialize<ImageConfig>(json)),
        MediaTypes.OciDescriptor => OciJson.Serialize(OciJson.Deserialize<Descriptor>(json)),
        MediaTypes.OciLayoutHeader => OciJson.Serialize(OciJson.Deserialize<OciLayoutHeader>(json)),
        _ => throw new ArgumentException($"no model for {mediaType}", nameof(mediaType)),
    };

    private static IReadOnlyList<OciSpecDocument> Load()
    {
        using var index = JsonDocument.Parse(System.IO.File.ReadAllBytes(PathOf("index.json")));
        return index.RootElement.EnumerateArray().Select(row => new OciSpecDocument(
            row.GetProperty("file").GetString()!,
            row.GetProperty("schema").GetString()!,
            row.GetProperty("mediaType").GetString()!,
            row.GetProperty("expect").GetString() switch
            {
                "valid" => true,
                "invalid" => false,
                var other => throw new InvalidDataException($"unknown expect \"{other}\""),
            },
            row.GetProperty("schema_only_result").GetString() == "valid",
            row.GetProperty("comment").GetString() ?? "")).ToList();
    }
}
