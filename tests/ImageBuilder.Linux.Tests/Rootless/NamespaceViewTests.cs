using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Rootless;

namespace ImageBuilder.Linux.Tests.Rootless;

/// <summary>
/// How rootless ibuild, before it enters its user namespace, reads a snapshot as the namespace
/// does: host ids back to the namespace's, file capabilities as the kernel shows them inside,
/// and the namespace asked for whatever it cannot translate.
/// </summary>
public sealed class NamespaceViewTests
{
    // The user (1000) is the namespace's root; its subordinate ids 100000… are the namespace's 1….
    private static readonly NamespaceView View = new(IdMap.Parse("0 1000 1\n1 100000 65536"), IdMap.Parse("0 1001 1\n1 200000 65536"));

    // cap_net_raw permitted and effective: a v2 value (20 bytes), and the v3 form (24 bytes) the
    // kernel shows outside for one set by the namespace's root, whose host uid ends it.
    private static readonly byte[] Version2 = [0x01, 0, 0, 0x02, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private static byte[] Version3(uint root) =>
        [0x01, 0, 0, 0x03, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)root, (byte)(root >> 8), (byte)(root >> 16), (byte)(root >> 24)];

    [Theory]
    [InlineData(1000u, 0)]
    [InlineData(100000u, 1)]
    [InlineData(101233u, 1234)]
    [InlineData(165535u, 65536)]
    public void A_host_uid_reads_as_the_namespaces_uid(uint host, int inside) => Assert.Equal(inside, View.Uid(host));

    [Fact]
    public void Groups_use_the_group_map() => Assert.Equal(7, View.Gid(200006));

    [Theory]
    [InlineData(0u)]
    [InlineData(999u)]
    [InlineData(165536u)]
    public void An_owner_the_namespace_does_not_map_needs_the_namespace(uint host) =>
        Assert.Throws<UserNamespaceRequiredException>(() => View.Uid(host));

    [Fact]
    public void A_capability_set_by_the_namespaces_root_reads_as_version_2_as_it_does_inside() =>
        Assert.Equal(Version2, View.Attribute("security.capability", Version3(1000)));

    [Fact]
    public void A_capability_whose_root_is_another_id_of_the_namespace_keeps_version_3_with_that_id() =>
        Assert.Equal(Version3(5), View.Attribute("security.capability", Version3(100004)));

    [Fact]
    public void A_version_2_capability_reads_the_same_inside_and_out() =>
        Assert.Equal(Version2, View.Attribute("security.capability", Version2));

    [Fact]
    public void A_capability_of_another_user_namespace_needs_the_namespace() =>
        Assert.Throws<UserNamespaceRequiredException>(() => View.Attribute("security.capability", Version3(4242)));

    [Theory]
    [InlineData("system.posix_acl_access")]
    [InlineData("system.posix_acl_default")]
    public void A_posix_acl_names_ids_and_needs_the_namespace(string name) =>
        Assert.Throws<UserNamespaceRequiredException>(() => View.Attribute(name, [2, 0, 0, 0]));

    [Fact]
    public void Other_attributes_are_read_as_they_are()
    {
        byte[] value = [(byte)'y'];
        Assert.Same(value, View.Attribute("user.note", value));
    }
}
