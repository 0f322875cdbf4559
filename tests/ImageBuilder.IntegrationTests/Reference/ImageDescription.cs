using System.Text.Json;

namespace ImageBuilder.IntegrationTests.Reference;

/// <summary>
/// What the reference tests compare of an image: its file tree as umoci unpacks it
/// (<see cref="FileTreeSnapshot"/>: path, type, mode, owner, size, content hash, link target)
/// and the parts of its config a Dockerfile sets, plus the history's shape.
/// </summary>
internal sealed record ImageDescription(IReadOnlyList<string> Tree, IReadOnlyList<string> Config, IReadOnlyList<string> History)
{
    private static readonly string[] ConfigKeys =
        ["Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Volumes", "Labels", "StopSignal", "Healthcheck", "OnBuild", "Shell"];

    /// <summary>
    /// Reads a docker archive with skopeo (config) and skopeo + umoci (tree). With
    /// <paramref name="noChangeIsEmptyLayer"/>, a layer that holds nothing but the <c>etc/</c>
    /// directory entry (docker 20.10's BuildKit leaves one behind for a RUN that changed
    /// nothing: its /etc/hosts and /etc/resolv.conf mount points touch /etc) reads as an empty
    /// layer and is not counted, as ibuild and current BuildKit write it.
    /// </summary>
    public static async Task<ImageDescription> ReadAsync(string archive, string scratch, bool noChangeIsEmptyLayer = false)
    {
        var layout = Path.Combine(scratch, "layout");
        (await Tools.Run("skopeo", "copy", $"docker-archive:{archive}", $"oci:{layout}:img")).Ok();
        var bundle = Path.Combine(scratch, "bundle");
        (await Tools.Run("umoci", "unpack", "--image", $"{layout}:img", bundle)).Ok();
        var tree = await FileTreeSnapshot.DescribeAsync(Path.Combine(bundle, "rootfs"));

        using var json = JsonDocument.Parse((await Tools.Run("skopeo", "inspect", "--config", $"docker-archive:{archive}")).Ok().Stdout);
        var root = json.RootElement;
        var config = new List<string>();
        var exec = root.TryGetProperty("config", out var c) ? c : default;
        foreach (var key in ConfigKeys)
        {
            var value = exec.ValueKind == JsonValueKind.Object && exec.TryGetProperty(key, out var v) ? Canonical(v) : "null";
            config.Add($"{key}: {(value is "[]" or "{}" or "\"\"" ? "null" : value)}");
        }

        var noChange = noChangeIsEmptyLayer ? await NoChangeLayersAsync(layout) : [];
        var layers = root.GetProperty("rootfs").GetProperty("diff_ids").GetArrayLength();
        var history = new List<string>();
        var layer = 0;
        foreach (var entry in root.TryGetProperty("history", out var h) ? h.EnumerateArray() : default)
        {
            var empty = entry.TryGetProperty("empty_layer", out var e) && e.GetBoolean();
            if (!empty && noChange.Contains(layer++))
            {
                empty = true;
                layers--;
            }

            var text = entry.TryGetProperty("created_by", out var t) ? t.GetString() : null;
            history.Add($"{(empty ? "empty" : "layer")} {text}");
        }

        history.Insert(0, $"layers: {layers}");

        return new ImageDescription(tree, config, history);
    }

    /// <summary>The indexes of the layers in an OCI layout whose only entry is the <c>etc/</c> directory.</summary>
    private static async Task<HashSet<int>> NoChangeLayersAsync(string layout)
    {
        string Blob(string digest) => Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]);
        using var index = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(layout, "index.json")));
        var manifestDigest = index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Blob(manifestDigest)));
        var found = new HashSet<int>();
        var i = 0;
        foreach (var layer in manifest.RootElement.GetProperty("layers").EnumerateArray())
        {
            var entries = (await Tools.Run("tar", "-tf", Blob(layer.GetProperty("digest").GetString()!))).Ok().Stdout
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(e => e.TrimStart('.', '/')).ToList();
            if (entries is ["etc/"])
            {
                found.Add(i);
            }

            i++;
        }

        return found;
    }

    /// <summary>
    /// Fails, listing the lines only one side has (or both in full when only the order differs),
    /// unless <paramref name="expected"/> and <paramref name="actual"/> are the same lines.
    /// </summary>
    public static void AssertSame(string what, (string Name, IReadOnlyList<string> Lines) expected, (string Name, IReadOnlyList<string> Lines) actual)
    {
        if (expected.Lines.SequenceEqual(actual.Lines))
        {
            return;
        }

        var width = Math.Max(expected.Name.Length, actual.Name.Length) + " only: ".Length;
        var onlyExpected = expected.Lines.Except(actual.Lines).Select(l => $"  {(expected.Name + " only: ").PadRight(width)}{l}");
        var onlyActual = actual.Lines.Except(expected.Lines).Select(l => $"  {(actual.Name + " only: ").PadRight(width)}{l}");
        var detail = string.Join("\n", onlyExpected.Concat(onlyActual));
        Assert.Fail($"{what} differs from {expected.Name}'s:\n{(detail.Length > 0 ? detail : "  same lines, different order:\n  " + string.Join("\n  ", expected.Lines) + "\n  vs\n  " + string.Join("\n  ", actual.Lines))}");
    }

    /// <summary>Compact JSON with object keys sorted, so that key order never matters.</summary>
    private static string Canonical(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", value.EnumerateObject()
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => JsonSerializer.Serialize(p.Name) + ":" + Canonical(p.Value))) + "}",
        JsonValueKind.Array => "[" + string.Join(",", value.EnumerateArray().Select(Canonical)) + "]",
        _ => value.GetRawText(),
    };
}
