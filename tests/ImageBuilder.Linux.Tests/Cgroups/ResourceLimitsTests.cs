using ImageBuilder.Linux.Cgroups;

namespace ImageBuilder.Linux.Tests.Cgroups;

public sealed class ResourceLimitsTests
{
    [Theory]
    [InlineData("64m", 64L << 20)]
    [InlineData("1g", 1L << 30)]
    [InlineData("512k", 512L << 10)]
    [InlineData("512K", 512L << 10)]
    [InlineData("64mb", 64L << 20)]
    [InlineData("2t", 2L << 40)]
    [InlineData("1048576", 1048576L)]
    [InlineData(" 100 ", 100L)]
    public void Memory_sizes_parse_with_binary_units(string text, long expected) =>
        Assert.Equal(expected, ResourceLimits.ParseMemory(text));

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("0")]
    [InlineData("-5m")]
    [InlineData("1.5g")]
    [InlineData("12x")]
    [InlineData("99999999999t")]
    public void Bad_memory_sizes_are_refused(string text) =>
        Assert.Throws<FormatException>(() => ResourceLimits.ParseMemory(text));

    [Theory]
    [InlineData("0.5", 50_000L)]
    [InlineData("2", 200_000L)]
    [InlineData("1.25", 125_000L)]
    [InlineData("0.001", 1_000L)]
    [InlineData("0.0001", 1_000L)]
    public void Cpus_become_a_quota_per_100ms_period(string text, long quota)
    {
        var limits = new ResourceLimits(Cpus: ResourceLimits.ParseCpus(text));

        Assert.Equal(quota, limits.CpuQuotaMicroseconds);
        Assert.Equal(100_000L, ResourceLimits.CpuPeriodMicroseconds);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1e400")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("2000000")]
    public void Bad_cpus_are_refused(string text) =>
        Assert.Throws<FormatException>(() => ResourceLimits.ParseCpus(text));

    [Fact]
    public void No_cpus_means_no_quota() => Assert.Null(ResourceLimits.None.CpuQuotaMicroseconds);
}
