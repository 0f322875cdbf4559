using System.Text;
using System.Text.Json;
using Sprache;

namespace ImageBuilder.Dockerfile.Syntax;

/// <summary>The outcome of reading exec form: the strings, or why it is not exec form.</summary>
internal sealed record ExecFormResult(IReadOnlyList<string>? Values, bool NotStringArray)
{
    public static readonly ExecFormResult NotJson = new(null, false);
    public static readonly ExecFormResult NotStrings = new(null, true);
}

internal static partial class DockerfileGrammar
{
    private static readonly JsonReaderOptions JsonOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 10_000,
    };

    // exec_form = ws , json_value ;  (the first JSON value; text after it is ignored, as Go's decoder does)
    // A valid JSON value that is not an array of strings is an error; anything else that
    // is not JSON falls back to shell form.
    public static readonly Parser<ExecFormResult> ExecForm = input =>
    {
        var text = input.Source[input.Position..].TrimStart();
        if (!text.StartsWith('['))
        {
            return Result.Success(ExecFormResult.NotJson, input);
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, isFinalBlock: true, new JsonReaderState(JsonOptions));
        var values = new List<string>();
        var allStrings = true;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return Result.Success(ExecFormResult.NotJson, input);
            }

            while (reader.Read())
            {
                if (reader.CurrentDepth == 0 && reader.TokenType == JsonTokenType.EndArray)
                {
                    var result = allStrings ? new ExecFormResult(values, false) : ExecFormResult.NotStrings;
                    return Result.Success(result, new SourceCursor(input.Source, input.Source.Length));
                }

                if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.String)
                {
                    values.Add(reader.GetString() ?? "");
                }
                else if (reader.CurrentDepth == 1 && reader.TokenType is not JsonTokenType.EndArray and not JsonTokenType.EndObject)
                {
                    allStrings = false;
                }
            }

            return Result.Success(ExecFormResult.NotJson, input);
        }
        catch (JsonException)
        {
            return Result.Success(ExecFormResult.NotJson, input);
        }
        catch (InvalidOperationException)
        {
            return Result.Success(ExecFormResult.NotJson, input);
        }
    };
}
