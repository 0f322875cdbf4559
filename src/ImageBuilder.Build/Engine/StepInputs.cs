using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageBuilder.Build.Engine;

/// <summary>
/// What a step read, kept per step position (the store's step inputs): its key, its parent's key,
/// the stage's base, the digest of the step's description, the build args in scope (a
/// secret-looking one's value as its digest), a digest of the rest of its
/// key (source checksums, mounts, a git commit…) and, for a copy from a context, each file's
/// fingerprint, and how long it ran when it last ran. Never a secret's value: secrets are not part of any of these.
/// </summary>
public sealed record StepInputs(
    string Key,
    string Parent,
    string Base,
    bool FirstOfStage,
    string Instruction,
    Dictionary<string, string> Args,
    string Sources,
    Dictionary<string, string>? Files,
    double? Seconds = null)
{
    private const string HiddenPrefix = "hidden:sha256:";

    /// <summary>How a secret-looking arg's value is kept: its digest, never the value.</summary>
    public static string Hidden(string value) => HiddenPrefix + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)));

    internal static bool IsHidden(string? value) => value?.StartsWith(HiddenPrefix, StringComparison.Ordinal) == true;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, StepInputsJson.Default.StepInputs);

    public static StepInputs? TryParse(byte[]? document)
    {
        if (document is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(document, StepInputsJson.Default.StepInputs);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The stored form of <see cref="StepInputs"/> (source-generated: ibuild is compiled ahead of time).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StepInputs))]
internal sealed partial class StepInputsJson : JsonSerializerContext;

/// <summary>
/// Why a step misses the cache, from what it read last time and what it reads now: the first input
/// that differs, named, in the order a reader would check them (--no-cache, the base, the step
/// before, a build arg, the instruction, the files it copies, its other sources).
/// </summary>
internal static class MissReason
{
    public static string Explain(StepInputs previous, StepInputs current, string keyword, bool noCache)
    {
        if (noCache)
        {
            return "--no-cache";
        }

        if (previous.Key == current.Key)
        {
            return "its cache record is no longer in the store";
        }

        if (previous.Parent != current.Parent)
        {
            return current.FirstOfStage && previous.Base != current.Base ? BaseChanged(previous.Base, current.Base)
                : current.FirstOfStage ? "the base it is built on changed"
                : "the step before it changed";
        }

        if (previous.Instruction != current.Instruction)
        {
            return ArgChanged(previous.Args, current.Args) ?? "the instruction changed";
        }

        if (previous.Files is { Count: > 0 } before && current.Files is { Count: > 0 } now && FilesChanged(before, now) is { } files)
        {
            return $"{keyword}: {files}";
        }

        return $"{keyword}: its sources changed";
    }

    private static string BaseChanged(string before, string now) =>
        before.StartsWith("sha256:", StringComparison.Ordinal) && now.StartsWith("sha256:", StringComparison.Ordinal)
            ? $"base image changed ({Short(before)} → {Short(now)})"
            : $"base changed ({Short(before)} → {Short(now)})";

    private static string Short(string value) => value.StartsWith("sha256:", StringComparison.Ordinal) && value.Length > 19 ? value[..19] + "…" : value;

    private static string? ArgChanged(Dictionary<string, string> before, Dictionary<string, string> now)
    {
        foreach (var name in now.Keys.Union(before.Keys).Order(StringComparer.Ordinal))
        {
            var (old, value) = (before.GetValueOrDefault(name), now.GetValueOrDefault(name));
            if (old != value)
            {
                return StepInputs.IsHidden(old) || StepInputs.IsHidden(value)
                    ? $"build arg {name} changed"
                    : $"build arg {name} changed ({old ?? "unset"} → {value ?? "unset"})";
            }
        }

        return null;
    }

    /// <summary>"app.txt changed", "a.txt, b.txt and 3 more changed", "new.txt added", "old.txt removed".</summary>
    private static string? FilesChanged(Dictionary<string, string> before, Dictionary<string, string> now)
    {
        var changed = now.Where(f => before.TryGetValue(f.Key, out var old) && old != f.Value).Select(f => f.Key).Order(StringComparer.Ordinal).ToList();
        var added = now.Keys.Where(k => !before.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var removed = before.Keys.Where(k => !now.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var parts = new[] { (changed, "changed"), (added, "added"), (removed, "removed") }.Where(p => p.Item1.Count > 0).Select(p => Names(p.Item1) + " " + p.Item2).ToList();
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private static string Names(List<string> names) =>
        names.Count <= 3 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(2))} and {names.Count - 2} more";
}
