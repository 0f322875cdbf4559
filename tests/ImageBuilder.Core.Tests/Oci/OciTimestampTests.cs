using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Tests.Oci;

public sealed class OciTimestampTests
{
    [Theory]
    [InlineData("2015-10-31T22:22:56.015925234Z")]
    [InlineData("2024-03-05T10:11:12Z")]
    [InlineData("2024-02-29T23:59:59+14:00")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("2024-03-05T10:11:12.1-07:30")]
    public void Go_readable_times_are_valid(string text) => Assert.True(OciTimestamp.IsValid(text));

    [Theory]
    [InlineData("2024-03-05 10:11:12Z")]
    [InlineData("2024-03-05t10:11:12z")]
    [InlineData("2023-02-29T00:00:00Z")]
    [InlineData("2024-13-01T00:00:00Z")]
    [InlineData("2024-03-05T24:00:00Z")]
    [InlineData("2024-03-05T10:11:60Z")]
    [InlineData("2024-03-05T10:11:12")]
    [InlineData("2024-03-05T10:11:12.Z")]
    [InlineData("2024-03-05T10:11:12+0100")]
    [InlineData("\u0662\u0660\u0662\u0664-03-05T10:11:12Z")]
    public void Other_text_is_not(string text) => Assert.False(OciTimestamp.IsValid(text));

    [Fact]
    public void Format_writes_what_go_writes()
    {
        Assert.Equal("2024-03-05T10:11:12Z", OciTimestamp.Format(new DateTimeOffset(2024, 3, 5, 10, 11, 12, TimeSpan.Zero)));
        Assert.Equal("2024-03-05T10:11:12.5Z", OciTimestamp.Format(new DateTimeOffset(2024, 3, 5, 10, 11, 12, 500, TimeSpan.Zero)));
        Assert.Equal("2024-03-05T10:11:12.1234567+02:00", OciTimestamp.Format(new DateTimeOffset(2024, 3, 5, 10, 11, 12, TimeSpan.FromHours(2)).AddTicks(1234567)));
        Assert.Equal("1970-01-01T00:00:00Z", OciTimestamp.Format(DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Parse_reads_nanoseconds_to_the_tick()
    {
        var time = OciTimestamp.Parse("2015-10-31T22:22:56.015925234Z");

        Assert.Equal(new DateTimeOffset(2015, 10, 31, 22, 22, 56, TimeSpan.Zero).AddTicks(159252), time);
        Assert.Equal(TimeSpan.FromHours(-7.5), OciTimestamp.Parse("2024-03-05T10:11:12.1-07:30").Offset);
        Assert.Throws<FormatException>(() => OciTimestamp.Parse("yesterday"));
    }
}
