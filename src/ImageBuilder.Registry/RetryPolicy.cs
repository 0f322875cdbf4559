namespace ImageBuilder.Registry;

/// <summary>
/// How often a request is tried when the network fails or the registry answers 5xx or 429:
/// at most <see cref="MaxAttempts"/> times, waiting <see cref="InitialDelay"/>, then twice as
/// long each time, never more than <see cref="MaxDelay"/> (a Retry-After header is honoured
/// within that bound).
/// </summary>
public sealed record RetryPolicy
{
    public static RetryPolicy Default { get; } = new();

    public int MaxAttempts { get; init; } = 5;

    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1 (attempt counts from 1).</summary>
    internal TimeSpan DelayAfter(int attempt, TimeSpan? retryAfter)
    {
        var exponential = InitialDelay * Math.Pow(2, Math.Min(attempt - 1, 16));
        var delay = retryAfter is { } asked && asked > exponential ? asked : exponential;
        return delay > MaxDelay ? MaxDelay : delay;
    }
}
