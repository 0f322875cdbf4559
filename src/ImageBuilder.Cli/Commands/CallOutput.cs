using System.Text;
using System.Text.Json;
using ImageBuilder.Planning.Subrequests;

namespace ImageBuilder.Cli.Commands;

/// <summary>
/// The answers of <c>build --call=outline|targets</c> as buildx prints them: text in aligned columns
/// (the layout of BuildKit's subrequest printers), or JSON with BuildKit's field names (empty fields
/// left out as Go's <c>omitempty</c> does; <c>sources</c> holds the Dockerfile, base64).
/// </summary>
internal static class CallOutput
{
    public static string OutlineText(BuildOutline outline)
    {
        var text = new StringBuilder();
        if (outline.Name is not null || outline.Description is not null)
        {
            var head = new List<string[]> { new[] { "TARGET:", outline.Name ?? "(default)" } };
            if (outline.Description is { } description)
            {
                head.Add(["DESCRIPTION:", description]);
            }

            text.Append(Table(head, 1)).Append('\n');
        }

        Section(text, ["BUILD ARG", "VALUE", "DESCRIPTION"], outline.Args.Select(a => new[] { a.Name, a.Value ?? "", a.Description ?? "" }));
        Section(text, ["SECRET", "REQUIRED"], outline.Secrets.Select(s => new[] { s.Name, s.Required ? "true" : "" }));
        Section(text, ["SSH", "REQUIRED"], outline.Ssh.Select(s => new[] { s.Name, s.Required ? "true" : "" }));
        return text.ToString();
    }

    public static string TargetsText(IReadOnlyList<BuildTarget> targets)
    {
        var rows = targets.Select(t => new[]
        {
            t.IsDefault ? t.Name is null ? "(default)" : $"{t.Name} (default)" : t.Name ?? "",
            t.Description ?? "",
        });
        return Table(rows.Prepend(["TARGET", "DESCRIPTION"]), 1);
    }

    public static string OutlineJson(BuildOutline outline, string dockerfile) => Json(json =>
    {
        String(json, "name", outline.Name);
        String(json, "description", outline.Description);
        Array(json, "args", outline.Args, a =>
        {
            json.WriteString("name", a.Name);
            String(json, "description", a.Description);
            String(json, "value", a.Value);
            Location(json, a.Location);
        });
        Array(json, "secrets", outline.Secrets, s => Mount(json, s));
        Array(json, "ssh", outline.Ssh, s => Mount(json, s));
        Sources(json, dockerfile);
    });

    public static string TargetsJson(IReadOnlyList<BuildTarget> targets, string dockerfile) => Json(json =>
    {
        json.WriteStartArray("targets");
        foreach (var t in targets)
        {
            json.WriteStartObject();
            String(json, "name", t.Name);
            if (t.IsDefault)
            {
                json.WriteBoolean("default", true);
            }

            String(json, "description", t.Description);
            String(json, "base", t.Base);
            String(json, "platform", t.Platform);
            Location(json, t.Location);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        Sources(json, dockerfile);
    });

    /// <summary>Rows in columns as Go's tabwriter lays them: each cell but the last padded to its column's widest plus <paramref name="padding"/>.</summary>
    private static string Table(IEnumerable<string[]> rows, int padding)
    {
        var all = rows.ToList();
        var columns = all.Max(r => r.Length);
        var widths = Enumerable.Range(0, columns - 1).Select(c => all.Where(r => r.Length > c + 1).Max(r => Width(r[c])) + padding).ToList();
        var text = new StringBuilder();
        foreach (var row in all)
        {
            for (var c = 0; c < row.Length; c++)
            {
                text.Append(row[c]);
                if (c < row.Length - 1)
                {
                    text.Append(' ', widths[c] - Width(row[c]));
                }
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private static int Width(string text) => text.EnumerateRunes().Count();

    private static void Section(StringBuilder text, string[] header, IEnumerable<string[]> rows)
    {
        var list = rows.ToList();
        if (list.Count > 0)
        {
            text.Append(Table(list.Prepend(header), 3)).Append('\n');
        }
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void String(Utf8JsonWriter json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            json.WriteString(name, value);
        }
    }

    private static void Array<T>(Utf8JsonWriter json, string name, IReadOnlyList<T> items, Action<T> write)
    {
        if (items.Count == 0)
        {
            return;
        }

        json.WriteStartArray(name);
        foreach (var item in items)
        {
            json.WriteStartObject();
            write(item);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void Mount(Utf8JsonWriter json, OutlineMount mount)
    {
        json.WriteString("name", mount.Name);
        if (mount.Required)
        {
            json.WriteBoolean("required", true);
        }

        Location(json, mount.Location);
    }

    /// <summary>A location as BuildKit's <c>pb.Location</c>: one range of lines (source index 0 and characters 0 left out).</summary>
    private static void Location(Utf8JsonWriter json, LineRange range)
    {
        json.WriteStartObject("location");
        json.WriteStartArray("ranges");
        json.WriteStartObject();
        json.WriteStartObject("start");
        json.WriteNumber("line", range.StartLine);
        json.WriteEndObject();
        json.WriteStartObject("end");
        json.WriteNumber("line", range.EndLine);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Sources(Utf8JsonWriter json, string dockerfile)
    {
        json.WriteStartArray("sources");
        json.WriteBase64StringValue(Encoding.UTF8.GetBytes(dockerfile));
        json.WriteEndArray();
    }
}
