using ImageBuilder.IntegrationTests.Reference;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>
/// Two ibuilds for the reference cases: root's (in this process) and the rootless
/// <see cref="RootlessUser"/>'s, each with a store of its own and the busybox base imported as
/// <c>box:1</c> by itself. The user, its directories and both bases are made on first use (the
/// user only as root); everything is removed afterwards.
/// </summary>
public sealed class RootlessReferenceFixture : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-rootless-reference-");
    private readonly Lazy<RootlessUser> user = new(() => new RootlessUser());
    private readonly Lazy<Task> bases;

    public RootlessReferenceFixture()
    {
        bases = new(ImportBasesAsync);
        Root = new(Tools.Ibuild, dir.Combine("root-store"), () => NewDirectory("root"));
        Rootless = new(args => User.Ibuild(args), dir.Combine("user", "store"), () => NewDirectory("user"));
    }

    /// <summary>ibuild as root, in this process.</summary>
    internal IbuildReferenceBuilder Root { get; }

    /// <summary>ibuild as <see cref="User"/>: rootless, its store and scratch owned by the user.</summary>
    internal IbuildReferenceBuilder Rootless { get; }

    internal RootlessUser User => user.Value;

    /// <summary>The user's store, where its snapshots belong to its subordinate ids.</summary>
    public string RootlessStore => dir.Combine("user", "store");

    public Task EnsureBasesAsync() => bases.Value;

    /// <summary>A copy of the case's folder for one builder: <paramref name="forUser"/> makes it the user's.</summary>
    internal async Task<string> CopyCaseAsync(ReferenceCase testCase, bool forUser)
    {
        var context = NewDirectory(forUser ? "user" : "root");
        (await Tools.Run("cp", "-a", testCase.Folder + "/.", context)).Ok();
        if (forUser)
        {
            User.Own(context);
        }

        return context;
    }

    public void Dispose() => dir.Dispose();

    private async Task ImportBasesAsync()
    {
        // The user's half lives in a directory of its own below this (root's, 0700) temp dir.
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0x1ed);
        Directory.CreateDirectory(dir.Combine("user"));
        User.Own(dir.Combine("user"));

        var rootfs = await BusyboxRootfs.PathAsync();
        await Root.ImportBaseAsync(rootfs);
        await Rootless.ImportBaseAsync(rootfs);
    }

    private string NewDirectory(string owner)
    {
        var path = Directory.CreateDirectory(dir.Combine(owner, Guid.NewGuid().ToString("N"))).FullName;
        if (owner == "user")
        {
            User.Own(path);
        }

        return path;
    }
}
