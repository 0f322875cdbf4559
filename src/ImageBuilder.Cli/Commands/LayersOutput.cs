using System.Globalization;
using System.Text;
using System.Text.Json;
using ImageBuilder.Application;
using ImageBuilder.Core.Layers.Report;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>inspect --layers</c>'s output: a text report per layer and the image's totals, or the same as JSON.</summary>
internal static class LayersOutput
{
    public static string Text(ImageLayers layers)
    {
        var (image, report) = layers;
        var text = new StringBuilder();
        var names = image.Tags.Count == 0 ? "" : " (" + string.Join(", ", image.Tags.Select(t => t.ToFamiliarString())) + ")";
        text.Append(CultureInfo.InvariantCulture, $"Image {image.Id}{names} {image.Config.Platform}, {report.Layers.Count} layer(s)\n");
        foreach (var layer in report.Layers)
        {
            text.Append('\n');
            text.Append(CultureInfo.InvariantCulture, $"Layer {layer.Index + 1}/{report.Layers.Count}  diff {Short(layer.DiffId)}  blob {Short(layer.Blob.Digest)}\n");
            text.Append(CultureInfo.InvariantCulture, $"  Created by: {layer.History?.CreatedBy ?? "(no history)"}\n");
            var blob = layer.BlobSize is { } size ? $"blob {DockerUnits.HumanSize(size)}" : "no blob yet (kept as its snapshot)";
            text.Append(CultureInfo.InvariantCulture,
                $"  Size: {DockerUnits.HumanSize(layer.Size)} in {layer.Entries} {(layer.Entries == 1 ? "entry" : "entries")}; uncompressed tar {DockerUnits.HumanSize(layer.TarSize)}, {blob}\n");
            if (layer.LargestFiles.Count > 0)
            {
                text.Append("  Largest files:\n");
                foreach (var file in layer.LargestFiles)
                {
                    text.Append(CultureInfo.InvariantCulture, $"    {DockerUnits.HumanSize(file.Size),8}  /{file.Path}\n");
                }
            }

            text.Append(CultureInfo.InvariantCulture, $"  Wasted: {DockerUnits.HumanSize(layer.WastedBytes)}\n");
            foreach (var file in layer.WastedFiles)
            {
                var how = file.How == HidingKind.Deleted ? "deleted" : "overwritten";
                text.Append(CultureInfo.InvariantCulture, $"    {DockerUnits.HumanSize(file.Size),8}  /{file.Path}  ({how} by layer {file.HiddenBy + 1})\n");
            }
        }

        text.Append('\n');
        text.Append(CultureInfo.InvariantCulture,
            $"Total: {DockerUnits.HumanSize(report.Size)} in files, uncompressed tars {DockerUnits.HumanSize(report.TarSize)}\n");
        var share = report.Size == 0 ? 0 : 100.0 * report.WastedBytes / report.Size;
        text.Append(CultureInfo.InvariantCulture, $"Wasted: {DockerUnits.HumanSize(report.WastedBytes)} ({share:0.#} % of the files' bytes)\n");
        text.Append(CultureInfo.InvariantCulture, $"Efficiency: {100 * report.Efficiency:0.####} % (dive's score)");
        return text.ToString();
    }

    public static string Json(ImageLayers layers)
    {
        var (image, report) = layers;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("Id", image.Id.ToString());
            json.WriteStartArray("RepoTags");
            image.Tags.ToList().ForEach(t => json.WriteStringValue(t.ToFamiliarString()));
            json.WriteEndArray();
            json.WriteStartArray("Layers");
            foreach (var layer in report.Layers)
            {
                WriteLayer(json, layer);
            }

            json.WriteEndArray();
            json.WriteNumber("Size", report.Size);
            json.WriteNumber("TarSize", report.TarSize);
            json.WriteNumber("WastedBytes", report.WastedBytes);
            json.WriteNumber("Efficiency", Math.Round(report.Efficiency, 6));
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteLayer(Utf8JsonWriter json, LayerReport layer)
    {
        json.WriteStartObject();
        json.WriteNumber("Index", layer.Index);
        json.WriteString("DiffId", layer.DiffId.ToString());
        json.WriteString("Digest", layer.Blob.Digest.ToString());
        json.WriteString("MediaType", layer.Blob.MediaType);
        json.WriteNumber("Size", layer.Size);
        json.WriteNumber("TarSize", layer.TarSize);
        if (layer.BlobSize is { } blobSize)
        {
            json.WriteNumber("BlobSize", blobSize);
        }
        else
        {
            json.WriteNull("BlobSize");
        }

        json.WriteNumber("Entries", layer.Entries);
        json.WriteString("CreatedBy", layer.History?.CreatedBy);
        json.WriteString("Created", layer.History?.Created);
        json.WriteString("Comment", layer.History?.Comment);
        json.WriteStartArray("LargestFiles");
        foreach (var file in layer.LargestFiles)
        {
            json.WriteStartObject();
            json.WriteString("Path", "/" + file.Path);
            json.WriteNumber("Size", file.Size);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("WastedBytes", layer.WastedBytes);
        json.WriteStartArray("WastedFiles");
        foreach (var file in layer.WastedFiles)
        {
            json.WriteStartObject();
            json.WriteString("Path", "/" + file.Path);
            json.WriteNumber("Size", file.Size);
            json.WriteNumber("HiddenByLayer", file.HiddenBy);
            json.WriteString("How", file.How == HidingKind.Deleted ? "deleted" : "overwritten");
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string Short(Core.Oci.Digest digest) => $"{digest.Algorithm}:{digest.Encoded[..12]}";
}
