namespace ImageBuilder.Registry.Tests.Fixtures;

/// <summary>A clock the test moves by hand (token lifetimes), starting at the real time.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
