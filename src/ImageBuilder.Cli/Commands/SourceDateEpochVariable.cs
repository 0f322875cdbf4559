using System.Globalization;

namespace ImageBuilder.Cli.Commands;

/// <summary>
/// <c>SOURCE_DATE_EPOCH</c> (reproducible-builds.org): seconds since 1970 that fix the times
/// <c>build</c> and <c>import</c> write. Anything else than such a number is a usage error.
/// </summary>
internal static class SourceDateEpochVariable
{
    /// <summary>DateTimeOffset ends with the year 9999: a larger number is no time at all, not an internal error.</summary>
    private static readonly long MaxSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>The time the variable gives; null when it is unset or empty.</summary>
    public static DateTimeOffset? Read()
    {
        var text = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= MaxSeconds
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : throw new UsageException($"SOURCE_DATE_EPOCH must be a number of seconds since 1970 (at most {MaxSeconds}), not \"{text}\"");
    }
}
