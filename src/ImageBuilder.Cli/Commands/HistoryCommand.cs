using System.Globalization;
using System.Text.Json;
using ImageBuilder.Application;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>ibuild history IMAGE</c>: the image's history as <c>docker history</c> prints it.</summary>
internal sealed class HistoryCommand(LayerReportService layers, TextWriter stdout, Func<DateTimeOffset> now)
{
    public const string Help = """
        Usage: ibuild history [--root DIR] [--platform P] [--no-trunc] [-q] [-H=false] [--format table|json] IMAGE

        Shows the history of an image, newest first, as docker history does: the step that
        made each entry, when, and the size of the layer it made (0B for a step without one).
        The top row shows the image id; earlier rows <missing> (the store keeps no
        intermediate images). SIZE is the bytes of the layer's files as docker counts them.

        Options:
          --no-trunc          do not truncate the id and CREATED BY
          -q, --quiet         only the ids
          -H, --human=false   CREATED as a timestamp and SIZE in bytes (default: human)
          --format json       one JSON object per line (docker's field names)
          --platform P        of a multi-platform image, that platform's (default: this machine's)
        """;

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = new ArgumentReader("history").Switch("--no-trunc").Switch("--quiet", "-q").Option("--format").Option("--platform").Switch("--human", "-H")
            .Switch("--not-human");
        if (!reader.Read(HumanAsSwitch(args), maxPositionals: 1))
        {
            await stdout.WriteLineAsync(Help);
            return CommandLineApp.Success;
        }

        ArchiveCommands.Require(reader, 1, "history needs an IMAGE");
        var json = reader.Get("--format") switch
        {
            null or "table" => false,
            "json" => true,
            var other => throw new UsageException($"history: unknown format \"{other}\" (table or json)"),
        };
        var platform = ArchiveCommands.PlatformOption(reader, "history");
        var report = await layers.HistoryAsync(reader.Root, reader.Positionals[0], platform, cancellationToken);
        var (trunc, human) = (!reader.Has("--no-trunc"), !reader.Has("--not-human"));
        var id = report.Image.Id;
        var rows = report.Rows.Select((row, i) => new Row(
            i == 0 ? (trunc ? id.Encoded[..12] : id.ToString()) : "<missing>",
            Created(row.Entry.Created, human),
            CreatedBy(row.Entry.CreatedBy ?? "", trunc),
            human ? DockerUnits.HumanSize(row.Size) : row.Size.ToString(CultureInfo.InvariantCulture),
            row.Entry.Comment ?? "",
            Created(row.Entry.Created, human: false))).ToList();

        if (reader.Has("--quiet"))
        {
            rows.ForEach(r => stdout.WriteLine(r.Id));
        }
        else if (json)
        {
            rows.ForEach(r => stdout.WriteLine(Json(r)));
        }
        else
        {
            var table = new List<string[]> { new[] { "IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT" } };
            table.AddRange(rows.Select(r => new[] { r.Id, r.Created, r.CreatedBy, r.Size, r.Comment }));
            foreach (var line in DockerUnits.Table(table))
            {
                await stdout.WriteLineAsync(line);
            }
        }

        return CommandLineApp.Success;
    }

    /// <summary>docker's boolean flag forms (<c>--human=false</c>, <c>-H=false</c>) as switches the reader knows.</summary>
    private static string[] HumanAsSwitch(string[] args) => args.Select(arg => arg switch
    {
        "--human=false" or "-H=false" or "--human=0" or "-H=0" => "--not-human",
        "--human=true" or "-H=true" or "--human=1" or "-H=1" => "--human",
        _ => arg,
    }).ToArray();

    private string Created(string? created, bool human)
    {
        if (!DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return "N/A";
        }

        return human ? DockerUnits.Ago(now() - time) : time.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture).Replace("+00:00", "Z", StringComparison.Ordinal);
    }

    private static string CreatedBy(string createdBy, bool trunc)
    {
        var text = createdBy.Replace('\t', ' ');
        return trunc ? DockerUnits.Ellipsis(text, 45) : text;
    }

    private static string Json(Row row)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("Comment", row.Comment);
            json.WriteString("CreatedAt", row.CreatedAt);
            json.WriteString("CreatedBy", row.CreatedBy);
            json.WriteString("CreatedSince", row.Created);
            json.WriteString("ID", row.Id);
            json.WriteString("Size", row.Size);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private sealed record Row(string Id, string Created, string CreatedBy, string Size, string Comment, string CreatedAt);
}
