using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Rootless;

namespace ImageBuilder.Linux.Tests.Rootless;

/// <summary>
/// What rootless ibuild tells a user whose namespace lacks the ids a layer or a step needs, and
/// how it behaves before it entered the namespace.
/// </summary>
public sealed class HostModeTests
{
    [Fact]
    public void With_the_single_mapping_the_fix_gives_the_user_named_in_etc_passwd_subordinate_ids()
    {
        // Root (uid 0 in /etc/passwd) stands for the user: its namespace root maps to host uid 0.
        var mode = new HostMode(true, 0, IdMap.Parse("0 0 1"), IdMap.Parse("0 0 1"));

        Assert.Equal("root", mode.OutsideUserName);
        Assert.Equal(
            "give root subordinate ids: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 root "
            + "(as root; any range no other user has in /etc/subuid and /etc/subgid)",
            mode.UnmappedIdsFix(1000));
    }

    [Fact]
    public void With_a_range_too_small_the_fix_says_how_many_ids_the_first_range_needs()
    {
        var mode = new HostMode(true, 0, IdMap.Parse("0 0 1\n1 100000 65536"), IdMap.Parse("0 0 1\n1 100000 65536"));

        Assert.Equal(
            "give root a first range in /etc/subuid and /etc/subgid of at least 70000 ids (ids 1… of the namespace are that range)",
            mode.UnmappedIdsFix(70000));
    }

    [Fact]
    public void A_host_uid_without_a_passwd_entry_is_named_by_its_number()
    {
        var mode = new HostMode(true, 1, IdMap.Parse("0 3999999999 1"), IdMap.Parse("0 3999999999 1"));

        Assert.Equal("3999999999", mode.OutsideUserName);
    }

    [Fact]
    public void Before_entering_the_namespace_work_that_needs_it_is_stopped_before_it_starts()
    {
        var pending = new HostMode(true, 1001, IdMap.Parse("0 1001 1\n1 100000 65536"), IdMap.Parse("0 1001 1\n1 100000 65536")) { Pending = true };

        var stopped = Assert.Throws<UserNamespaceRequiredException>(() => pending.RequireUserNamespace("mounting an overlay"));
        Assert.Equal("mounting an overlay", stopped.What);
        Assert.False(pending.InUserNamespace);
        Assert.Equal("trusted.overlay.", pending.OverlayAttributePrefix);

        var inside = pending with { Pending = false };
        inside.RequireUserNamespace("mounting an overlay");
        Assert.True(inside.InUserNamespace);
        Assert.Equal("user.overlay.", inside.OverlayAttributePrefix);
    }

    [Fact]
    public void A_store_has_one_owner_whether_ibuild_is_in_its_namespace_or_about_to_enter_it()
    {
        var inside = new HostMode(true, 1001, IdMap.Parse("0 1001 1\n1 100000 65536"), IdMap.Parse("0 1001 1\n1 100000 65536"));
        var pending = inside with { Pending = true };
        var root = new HostMode(false, 0, IdMap.Identity, IdMap.Identity);

        Assert.Equal("a user namespace with uids 0→1001 (1), 1→100000 (65536), gids 0→1001 (1), 1→100000 (65536)", inside.StoreOwner);
        Assert.Equal(inside.StoreOwner, pending.StoreOwner);
        Assert.Equal("root", root.StoreOwner);
        root.RequireUserNamespace("running a step");
    }
}
