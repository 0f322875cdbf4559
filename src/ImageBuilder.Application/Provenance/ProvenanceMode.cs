namespace ImageBuilder.Application.Provenance;

/// <summary>What a provenance attestation holds (BuildKit's <c>mode=min|max</c>), or none.</summary>
public enum ProvenanceMode
{
    Off,

    /// <summary>The build's request without build args, labels, secrets and ssh ids; its dependencies; when and by what.</summary>
    Min,

    /// <summary>Min plus build args, labels, secret and ssh ids, the steps, the Dockerfile and each step's layers.</summary>
    Max,
}

/// <summary>
/// <c>--provenance</c> as given: <paramref name="Mode"/>, and <paramref name="BuilderId"/> (BuildKit's
/// <c>builder-id</c>: <c>runDetails.builder.id</c>, empty unless given).
/// </summary>
public sealed record ProvenanceOption(ProvenanceMode Mode, string BuilderId = "")
{
    /// <summary>
    /// Reads buildx's forms: <c>true|false|1|0</c>, <c>mode=min|max</c> (and <c>full</c>, BuildKit's
    /// name for max), <c>builder-id=URI</c>, comma-separated; <c>disabled=true</c> turns it off. A
    /// bare true asks for min, as buildx does.
    /// </summary>
    /// <exception cref="FormatException">An unknown key or value; the message says which.</exception>
    public static ProvenanceOption Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "1":
                return new ProvenanceOption(ProvenanceMode.Min);
            case "false" or "0":
                return new ProvenanceOption(ProvenanceMode.Off);
        }

        var mode = ProvenanceMode.Min;
        var builderId = "";
        foreach (var field in text.Split(','))
        {
            var (key, value) = field.IndexOf('=') is var eq and > 0 ? (field[..eq].Trim(), field[(eq + 1)..].Trim()) : (field.Trim(), "");
            switch (key)
            {
                case "type" when value == "provenance":
                    break;
                case "mode":
                    mode = value switch
                    {
                        "min" => ProvenanceMode.Min,
                        "max" or "full" => ProvenanceMode.Max,
                        _ => throw new FormatException($"mode must be min or max, not \"{value}\""),
                    };
                    break;
                case "disabled" when value is "true" or "1":
                    return new ProvenanceOption(ProvenanceMode.Off);
                case "disabled" when value is "false" or "0":
                    break;
                case "builder-id":
                    builderId = value;
                    break;
                default:
                    throw new FormatException($"\"{field}\" is not a provenance option (known: true, false, mode=min|max, builder-id=URI)");
            }
        }

        return new ProvenanceOption(mode, builderId);
    }
}
