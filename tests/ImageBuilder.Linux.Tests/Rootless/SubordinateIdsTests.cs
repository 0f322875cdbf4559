using ImageBuilder.Linux.Rootless;

namespace ImageBuilder.Linux.Tests.Rootless;

/// <summary>/etc/subuid and /etc/subgid: the ranges newuidmap lets a user map.</summary>
public sealed class SubordinateIdsTests
{
    [Fact]
    public void A_users_range_is_found_by_login_name()
    {
        var ranges = SubordinateIds.Find("ibtest:100000:65536\nalice:165536:65536\n", "alice", 1002);

        Assert.Equal([new SubordinateRange(165536, 65536)], ranges);
    }

    [Fact]
    public void A_users_range_is_found_by_numeric_uid()
    {
        var ranges = SubordinateIds.Find("1002:231072:65536\n1003:296608:65536\n", "alice", 1002);

        Assert.Equal([new SubordinateRange(231072, 65536)], ranges);
    }

    [Fact]
    public void Several_ranges_by_name_and_uid_come_in_file_order()
    {
        var ranges = SubordinateIds.Find("alice:100000:10\nbob:200000:10\n1002:300000:20\nalice:400000:30\n", "alice", 1002);

        Assert.Equal([new SubordinateRange(100000, 10), new SubordinateRange(300000, 20), new SubordinateRange(400000, 30)], ranges);
    }

    [Fact]
    public void Comments_blank_lines_and_garbage_are_skipped()
    {
        const string Text = """
            # alice:1:1
            #alice:2:2

            alice
            alice:x:10
            alice:10:-1
            alice:10:0
            alice:10:20:30
            alice:500000:65536
            """;

        var ranges = SubordinateIds.Find(Text, "alice", 1002);

        Assert.Equal([new SubordinateRange(500000, 65536)], ranges);
    }

    [Fact]
    public void A_user_the_file_does_not_list_has_no_range()
    {
        Assert.Empty(SubordinateIds.Find("alice:100000:65536\n", "alicex", 1002));
        Assert.Empty(SubordinateIds.Find("alice:100000:65536\n", "alic", 1002));
    }

    [Fact]
    public void A_missing_file_gives_no_range()
    {
        Assert.Empty(SubordinateIds.Read($"/nonexistent-{Guid.NewGuid():N}", "alice", 1002));
    }
}
