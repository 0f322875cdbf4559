using ImageBuilder.IntegrationTests.Reference;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>
/// Rootless mode builds what root builds: every case of testdata/reference, built by an ordinary
/// user's ibuild (in its user namespace, with its own store) and by root's, gives the same file
/// tree (owners included), config and history, read back the same way (<see cref="ImageDescription"/>).
/// No accepted differences: the cases' <c>differences</c> files are about BuildKit.
/// </summary>
public sealed class RootlessReferenceTests(RootlessReferenceFixture fixture) : IClassFixture<RootlessReferenceFixture>
{
    public static IEnumerable<object[]> Cases => ReferenceCase.All();

    [RootTheory]
    [MemberData(nameof(Cases))]
    public async Task Rootless_ibuild_builds_the_same_image_as_root_ibuild(string name)
    {
        var testCase = ReferenceCase.Named(name);
        await fixture.EnsureBasesAsync();

        var root = await fixture.Root.BuildCaseAsync(testCase, await fixture.CopyCaseAsync(testCase, forUser: false));
        var rootless = await fixture.Rootless.BuildCaseAsync(testCase, await fixture.CopyCaseAsync(testCase, forUser: true));

        ImageDescription.AssertSame("file tree", ("root", root.Tree), ("rootless", rootless.Tree));
        ImageDescription.AssertSame("config", ("root", root.Config), ("rootless", rootless.Config));
        ImageDescription.AssertSame("history", ("root", root.History), ("rootless", rootless.History));
    }

    [RootFact]
    public async Task The_rootless_builds_ran_in_the_users_namespace_with_its_subordinate_ids()
    {
        var testCase = ReferenceCase.Named("copy-chown-chmod");
        await fixture.EnsureBasesAsync();

        await fixture.Rootless.BuildCaseAsync(testCase, await fixture.CopyCaseAsync(testCase, forUser: true));

        // The store is the user's; a file the build chowned to 1234:5678 is subordinate id 1233 above the range's start on the host.
        var uid = fixture.User.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(uid, (await Tools.Run("stat", "-c", "%u", fixture.RootlessStore)).Ok().Stdout.Trim());
        var owners = (await Tools.Run("find", fixture.RootlessStore, "-name", "by-id", "-printf", "%U:%G\n")).Ok().Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(owners);
        var subuid = SubordinateStart("/etc/subuid");
        var subgid = SubordinateStart("/etc/subgid");
        Assert.All(owners, o => Assert.Equal($"{subuid + 1233}:{subgid + 5677}", o));
    }

    private long SubordinateStart(string file) =>
        long.Parse(
            File.ReadAllLines(file).First(l => l.StartsWith(fixture.User.Name + ":", StringComparison.Ordinal)).Split(':')[1],
            System.Globalization.CultureInfo.InvariantCulture);
}
