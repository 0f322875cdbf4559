using System.Globalization;
using System.Text;
using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Planning;

/// <summary>BuildKit's history texts (<c>created_by</c>) where they are more than the instruction's words.</summary>
internal static class HistoryText
{
    /// <summary>
    /// RUN's <c>|N K=V … </c> prefix: every ARG the stage declared, in order, each with the
    /// value the step sees (an ENV of that name wins; a declared ARG without a value shows
    /// as <c>K=</c>), as BuildKit's <c>runCommandString</c> writes it; empty without ARGs.
    /// </summary>
    public static string RunArgs(IEnumerable<KeyValuePair<string, string?>> declared, IReadOnlyList<string> imageEnv)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in imageEnv)
        {
            var parts = entry.Split('=', 2);
            env[parts[0]] = parts.Length > 1 ? parts[1] : "";
        }

        var pairs = declared.Select(a => $"{a.Key}={(env.TryGetValue(a.Key, out var v) ? v : a.Value ?? "")}").ToList();
        return pairs.Count == 0 ? "" : $"|{pairs.Count.ToString(CultureInfo.InvariantCulture)} {string.Join(' ', pairs)} ";
    }

    /// <summary>The flags BuildKit writes into COPY/ADD history (never <c>--from</c>): <c>--parents --chown=U --chmod=M </c>.</summary>
    public static string CopyFlags(bool parents, string? chown, string? chmod) =>
        (parents ? "--parents " : "") + (chown is { Length: > 0 } ? $"--chown={chown} " : "") + (chmod is { Length: > 0 } ? $"--chmod={chmod} " : "");

    /// <summary>HEALTHCHECK as Go's <c>%+v</c> prints BuildKit's HealthcheckConfig: <c>{Test:[CMD-SHELL x] Interval:30s … Retries:3}</c>.</summary>
    public static string Healthcheck(HealthConfig health) =>
        $"{{Test:{StagePlanner.GoPlainList(health.Test)} Interval:{GoDuration(health.Interval)} Timeout:{GoDuration(health.Timeout)} "
        + $"StartPeriod:{GoDuration(health.StartPeriod)} StartInterval:{GoDuration(health.StartInterval)} Retries:{(health.Retries ?? 0).ToString(CultureInfo.InvariantCulture)}}}";

    /// <summary>A duration as Go's time.Duration prints it: <c>0s</c>, <c>1.5s</c>, <c>1m30s</c>, <c>2h0m0s</c>, <c>250ms</c>.</summary>
    public static string GoDuration(TimeSpan? span)
    {
        var ticks = span?.Ticks ?? 0;
        if (ticks == 0)
        {
            return "0s";
        }

        var sign = ticks < 0 ? "-" : "";
        var nanos = Math.Abs(ticks) * 100;
        if (nanos < 1_000_000_000)
        {
            return nanos switch
            {
                < 1_000 => $"{sign}{nanos}ns",
                < 1_000_000 => $"{sign}{Fraction(nanos, 1_000)}µs",
                _ => $"{sign}{Fraction(nanos, 1_000_000)}ms",
            };
        }

        var text = new StringBuilder(sign);
        var hours = nanos / 3_600_000_000_000;
        var minutes = nanos / 60_000_000_000 % 60;
        if (hours > 0)
        {
            text.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (hours > 0 || minutes > 0)
        {
            text.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        return text.Append(Fraction(nanos % 60_000_000_000, 1_000_000_000)).Append('s').ToString();
    }

    /// <summary><paramref name="value"/> / <paramref name="unit"/> with the fraction's trailing zeros dropped, as Go does.</summary>
    private static string Fraction(long value, long unit)
    {
        var whole = (value / unit).ToString(CultureInfo.InvariantCulture);
        var rest = value % unit;
        if (rest == 0)
        {
            return whole;
        }

        var digits = unit.ToString(CultureInfo.InvariantCulture).Length - 1;
        return whole + "." + rest.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }
}
