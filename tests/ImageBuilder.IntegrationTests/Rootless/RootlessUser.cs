using System.Diagnostics;
using System.Globalization;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>
/// An ordinary user made for the rootless tests (CI runs as root): <c>useradd -m</c> gives it a
/// home and, as on every Debian machine, 65,536 subordinate uids and gids. ibuild runs as it
/// through runuser, from the built ibuild.dll beside the tests, and becomes rootless on its own.
/// <paramref name="name"/> users are kept between runs (useradd once); their stores are emptied.
/// </summary>
internal sealed class RootlessUser
{
    /// <summary>The user with subordinate ids.</summary>
    public const string WithSubordinateIds = "ibuild-rootless";

    /// <summary>A user without any: rootless ibuild then maps only the user's own id.</summary>
    public const string WithoutSubordinateIds = "ibuild-nosubids";

    private static readonly Lock Creating = new();

    public RootlessUser(string name = WithSubordinateIds)
    {
        Name = name;
        // Test classes run in parallel: one useradd (or rewrite of /etc/subuid) at a time.
        lock (Creating)
        {
            if (Run("id", "-u", name).ExitCode != 0)
            {
                Check(Run("useradd", "-m", "-s", "/bin/sh", name), "useradd");
            }

            if (name == WithoutSubordinateIds)
            {
                RemoveSubordinateIds(name);
            }
        }

        Uid = uint.Parse(Run("id", "-u", name).Stdout.Trim(), CultureInfo.InvariantCulture);
        Gid = uint.Parse(Run("id", "-g", name).Stdout.Trim(), CultureInfo.InvariantCulture);
        Home = Run("getent", "passwd", name).Stdout.Split(':')[5];
        if (Run("runuser", "-u", name, "--", "test", "-r", Path.Combine(AppContext.BaseDirectory, "ibuild.dll")).ExitCode != 0)
        {
            throw new InvalidOperationException($"{name} cannot read the tests' ibuild.dll in {AppContext.BaseDirectory} (a checkout under a private directory?)");
        }
    }

    public string Name { get; }

    public uint Uid { get; }

    public uint Gid { get; }

    public string Home { get; }

    /// <summary>The user's default store: ~/.local/share/ibuild.</summary>
    public string DefaultStore => Path.Combine(Home, ".local", "share", "ibuild");

    /// <summary>A fresh directory owned by the user (for a store, a context, an archive); removed by root afterwards.</summary>
    public string NewDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ibuild-rl-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        Check(Run("chown", "-R", $"{Name}:", path), "chown");
        return path;
    }

    /// <summary>Gives <paramref name="path"/> (a context the test wrote as root) to the user.</summary>
    public void Own(string path) => Check(Run("chown", "-R", $"{Name}:", path), "chown");

    /// <summary>
    /// A PATH with dotnet, newuidmap and newgidmap (so the id maps ibuild plans stay the same)
    /// and no unshare, in <paramref name="directory"/> (which becomes the user's): an ibuild that
    /// cannot enter a user namespace, and says "rootless ibuild needs unshare" when it tries.
    /// </summary>
    public async Task<string> PathWithoutUnshareAsync(string directory)
    {
        var bin = Directory.CreateDirectory(Path.Combine(directory, "bin-without-unshare")).FullName;
        foreach (var program in new[] { "dotnet", "newuidmap", "newgidmap" })
        {
            var found = (await Tools.Run("sh", "-c", $"readlink -f \"$(command -v {program})\"")).Ok().Stdout.Trim();
            File.CreateSymbolicLink(Path.Combine(bin, program), found);
        }

        Own(directory);
        return bin;
    }

    /// <summary>Runs <c>ibuild ARGS</c> as the user and waits for it.</summary>
    public Task<Tools.Result> Ibuild(params string[] args) => IbuildOnPath(Environment.GetEnvironmentVariable("PATH")!, args);

    /// <summary>Runs <c>ibuild ARGS</c> as the user with <paramref name="path"/> for PATH (dotnet must be on it) and waits for it.</summary>
    public async Task<Tools.Result> IbuildOnPath(string path, params string[] args)
    {
        using var process = Process.Start(IbuildProcess(path, args)) ?? throw new InvalidOperationException("runuser did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new Tools.Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The start info of <c>ibuild ARGS</c> as the user (for tests that signal or kill it).</summary>
    public ProcessStartInfo IbuildProcess(params string[] args) => IbuildProcess(Environment.GetEnvironmentVariable("PATH")!, args);

    private ProcessStartInfo IbuildProcess(string path, string[] args)
    {
        var info = new ProcessStartInfo("runuser") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in new[]
        {
            "-u", Name, "--", "env", "-i", $"HOME={Home}", $"USER={Name}", $"PATH={path}",
            $"DOTNET_CLI_HOME={Home}", "DOTNET_CLI_TELEMETRY_OPTOUT=1", "DOTNET_NOLOGO=1",
            "dotnet", Path.Combine(AppContext.BaseDirectory, "ibuild.dll"),
        }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    /// <summary>Runs <paramref name="program"/> as the user.</summary>
    public Tools.Result RunAs(string program, params string[] args) => Run("runuser", ["-u", Name, "--", program, .. args]);

    private static void RemoveSubordinateIds(string name)
    {
        foreach (var file in new[] { "/etc/subuid", "/etc/subgid" })
        {
            var kept = File.ReadAllLines(file).Where(line => !line.StartsWith(name + ":", StringComparison.Ordinal)).ToArray();
            File.WriteAllLines(file, kept);
        }
    }

    private static Tools.Result Run(string program, params string[] args) => Tools.Run(program, args).GetAwaiter().GetResult();

    private static void Check(Tools.Result result, string what)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed ({result.ExitCode}): {result.Stderr}");
        }
    }
}
