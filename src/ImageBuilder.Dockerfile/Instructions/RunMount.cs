using System.Globalization;

namespace ImageBuilder.Dockerfile.Instructions;

/// <summary>
/// One <c>RUN --mount=…</c>, read after expansion, with BuildKit's defaults: type bind; bind
/// mounts read-only unless <c>rw</c>; cache mounts writable unless <c>ro</c>, with mode 0755;
/// secrets at <c>/run/secrets/ID</c> with mode 0400; ssh sockets with the id <c>default</c> and mode
/// 0600. <see cref="Target"/> is as written.
/// </summary>
public sealed record RunMount(
    string Type,
    string? Target,
    string? Source,
    string? From,
    bool ReadOnly,
    string? Id,
    string Sharing,
    int? Mode,
    int? Uid,
    int? Gid,
    long? Size,
    bool Required,
    string? Env)
{
    /// <summary>Reads the CSV fields of a --mount value.</summary>
    /// <exception cref="FormatException">An unknown type or key, or a value that is not valid for its key.</exception>
    public static RunMount Parse(string text)
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        try
        {
            foreach (var field in RunMountCheck.SplitCsv(text))
            {
                var eq = field.IndexOf('=');
                fields[(eq >= 0 ? field[..eq] : field).ToLowerInvariant()] = eq >= 0 ? field[(eq + 1)..] : null;
            }
        }
        catch (InstructionException e)
        {
            throw new FormatException(e.Message, e);
        }

        var type = Value(fields, "type") ?? "bind";
        string? Get(params string[] keys) => keys.Select(k => Value(fields, k)).FirstOrDefault(v => v is not null);
        bool Flag(string key) => fields.TryGetValue(key, out var v) && (v is null || ParseBool(key, v));
        var readOnly = type switch
        {
            "bind" => !(Flag("rw") || Flag("readwrite")) || Flag("ro") || Flag("readonly"),
            _ => Flag("ro") || Flag("readonly"),
        };
        var known = new HashSet<string>(StringComparer.Ordinal)
        {
            "type", "target", "dst", "destination", "source", "src", "from", "ro", "readonly", "rw", "readwrite", "id",
            "sharing", "mode", "uid", "gid", "size", "required", "env",
        };
        if (fields.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            throw new FormatException($"unexpected key '{unknown}' in '{text}'");
        }

        var sharing = Get("sharing") ?? "shared";
        if (sharing is not ("shared" or "private" or "locked"))
        {
            throw new FormatException($"unsupported sharing value \"{sharing}\"");
        }

        var id = Get("id");
        var mode = Number(Get("mode"), 8, "mode");
        if (type == "ssh")
        {
            // An ssh mount forwards an agent socket: it has no source; its id is "default" unless
            // named, and the socket's mode 0600 unless given, as in BuildKit.
            if (Get("source", "src") is not null)
            {
                throw new FormatException("ssh does not support source");
            }

            id = string.IsNullOrEmpty(id) ? "default" : id;
            mode ??= 0x180; // 0600
        }

        return new RunMount(
            type, Get("target", "dst", "destination"), Get("source", "src"), Get("from"), readOnly, id, sharing,
            mode, Number(Get("uid"), 10, "uid"), Number(Get("gid"), 10, "gid"), ParseSize(Get("size")),
            Flag("required"), Get("env"));
    }

    private static string? Value(Dictionary<string, string?> fields, string key) => fields.TryGetValue(key, out var v) ? v ?? "" : null;

    private static bool ParseBool(string key, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" or "t" => true,
        "false" or "0" or "f" => false,
        _ => throw new FormatException($"invalid value for {key}: {value}"),
    };

    private static int? Number(string? text, int radix, string key)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return Convert.ToInt32(text, radix);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new FormatException($"invalid value for {key}: {text}");
        }
    }

    /// <summary>tmpfs size: bytes, or with a k/m/g suffix (as docker's units parse it).</summary>
    private static long? ParseSize(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var unit = char.ToLowerInvariant(text[^1]) switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, _ => 1L };
        var digits = unit == 1 ? text : text[..^1].TrimEnd('b', 'B');
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n * unit
            : throw new FormatException($"invalid value for size: {text}");
    }
}
