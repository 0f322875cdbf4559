using ImageBuilder.Linux.Rootless;

namespace ImageBuilder.Linux.Tests.Rootless;

/// <summary>/proc/self/uid_map as the kernel writes it: which ids a rootless ibuild can give files.</summary>
public sealed class IdMapTests
{
    [Fact]
    public void The_initial_namespaces_map_is_the_identity_and_holds_every_id()
    {
        var map = IdMap.Parse("         0          0 4294967295\n");

        Assert.True(map.IsIdentity);
        Assert.Equal(4294967295, map.Size);
        Assert.True(map.Contains(0));
        Assert.True(map.Contains(4294967294));
        Assert.False(map.Contains(4294967295));
    }

    [Fact]
    public void A_rootless_map_holds_root_and_the_subordinate_range_and_nothing_between()
    {
        var map = IdMap.Parse("         0       1002          1\n         1     165536      65536\n");

        Assert.False(map.IsIdentity);
        Assert.Equal([new IdRange(0, 1002, 1), new IdRange(1, 165536, 65536)], map.Ranges);
        Assert.Equal(65537, map.Size);
        Assert.True(map.Contains(0));
        Assert.True(map.Contains(1000));
        Assert.True(map.Contains(65536));
        Assert.False(map.Contains(65537));
        Assert.Equal("0→1002 (1), 1→165536 (65536)", map.ToString());
    }

    [Fact]
    public void A_single_mapping_holds_only_root()
    {
        var map = IdMap.Parse("0 1003 1");

        Assert.Equal(1, map.Size);
        Assert.True(map.Contains(0));
        Assert.False(map.Contains(1));
        Assert.False(map.Contains(1003));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0 1000")]
    [InlineData("0 1000 1 extra")]
    [InlineData("a b c")]
    [InlineData("-1 0 1")]
    public void Lines_that_are_not_three_numbers_map_nothing(string text)
    {
        var map = IdMap.Parse(text);

        Assert.Empty(map.Ranges);
        Assert.Equal(0, map.Size);
        Assert.False(map.Contains(0));
    }

    [Fact]
    public void An_id_range_contains_its_first_and_last_id_only()
    {
        var range = new IdRange(1, 100000, 10);

        Assert.False(range.Contains(0));
        Assert.True(range.Contains(1));
        Assert.True(range.Contains(10));
        Assert.False(range.Contains(11));
    }
}
