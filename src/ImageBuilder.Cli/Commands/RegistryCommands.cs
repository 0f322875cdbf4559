using ImageBuilder.Application.Registries;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>pull</c>, <c>push</c>, <c>login</c> and <c>logout</c>: images to and from registries.</summary>
internal sealed class RegistryCommands(RegistryService registries, TextReader stdin, TextWriter stdout, TextWriter stderr)
{
    public const string PullHelp = $"""
        Usage: ibuild pull [--root DIR] [--platform P] [options] REF

        Pulls an image from a registry into the store and names it REF: the manifest for this
        platform (from an index), its config and layers (digests checked; blobs the store has
        are not fetched again), layers unpacked once. An interrupted pull finishes next time.

          --platform P             the platform to pick from an index (default: this machine's);
                                   all: the whole index, every platform's image (a multi-platform image)
        {RegistryOptions.Help}
        """;

    public const string PushHelp = $"""
        Usage: ibuild push [--root DIR] [options] IMAGE [DEST]

        Pushes an image of the store to a registry, as DEST (default: IMAGE's own name), with
        gzip layers, and prints the manifest's digest. Blobs the repository has are skipped;
        layers pulled from another repository of the same registry are mounted from it.

        {RegistryOptions.Help}
        """;

    public const string LoginHelp = $"""
        Usage: ibuild login [-u USER] [-p PASSWORD | --password-stdin] [options] REGISTRY

        Checks the credentials with the registry, then saves them where docker keeps them
        (config.json, or its credential helper).

          -u, --username USER      the user name
          -p, --password PASSWORD  the password (visible to other users: prefer --password-stdin)
          --password-stdin         read the password from standard input
        {RegistryOptions.Help}
        """;

    public const string LogoutHelp = """
        Usage: ibuild logout [--authfile FILE] REGISTRY

        Removes the saved credentials of REGISTRY.
        """;

    public async Task<int> PullAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = RegistryOptions.Declare(new ArgumentReader("pull").Option("--platform"));
        if (!reader.Read(args, maxPositionals: 1))
        {
            await stdout.WriteLineAsync(PullHelp);
            return CommandLineApp.Success;
        }

        ArchiveCommands.Require(reader, 1, "pull needs an image reference");
        var reference = StoreCommands.ParseReference(reader.Positionals[0]);
        var settings = RegistryOptions.Read(reader, "pull");
        if (reader.Get("--platform") == "all")
        {
            var id = await registries.PullAllAsync(reader.Root, reference, settings, Log, cancellationToken);
            await stdout.WriteLineAsync(id.ToString());
            return CommandLineApp.Success;
        }

        var platform = ArchiveCommands.PlatformOption(reader, "pull") ?? Platform.Current;
        var image = await registries.PullAsync(reader.Root, reference, platform, settings, Log, cancellationToken);
        await stdout.WriteLineAsync(image.Id.ToString());
        return CommandLineApp.Success;
    }

    public async Task<int> PushAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = RegistryOptions.Declare(new ArgumentReader("push"));
        if (!reader.Read(args, maxPositionals: 2))
        {
            await stdout.WriteLineAsync(PushHelp);
            return CommandLineApp.Success;
        }

        ArchiveCommands.Require(reader, 1, "push needs an IMAGE");
        var source = reader.Positionals[0];
        var destination = StoreCommands.ParseReference(reader.Positionals.Count > 1 ? reader.Positionals[1] : source);
        var settings = RegistryOptions.Read(reader, "push");
        var digest = await registries.PushAsync(reader.Root, source, destination, settings, Log, cancellationToken);
        await stdout.WriteLineAsync(digest.ToString());
        return CommandLineApp.Success;
    }

    public async Task<int> LoginAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = RegistryOptions.Declare(new ArgumentReader("login").Option("--username", "-u").Option("--password", "-p").Switch("--password-stdin"));
        if (!reader.Read(args, maxPositionals: 1))
        {
            await stdout.WriteLineAsync(LoginHelp);
            return CommandLineApp.Success;
        }

        ArchiveCommands.Require(reader, 1, "login needs a REGISTRY (host[:port])");
        var registry = Host(reader.Positionals[0]);
        var user = reader.Get("--username") ?? throw new UsageException("login: give the user name with -u USER");
        if (reader.Has("--password") && reader.Has("--password-stdin"))
        {
            throw new UsageException("login: -p and --password-stdin exclude each other");
        }

        var password = reader.Has("--password-stdin")
            ? (await stdin.ReadToEndAsync(cancellationToken)).TrimEnd('\n', '\r')
            : reader.Get("--password") ?? throw new UsageException("login: give the password with --password-stdin (or -p PASSWORD)");
        await RegistryService.LoginAsync(registry, user, password, RegistryOptions.Read(reader, "login"), cancellationToken);
        await stdout.WriteLineAsync("Login Succeeded");
        return CommandLineApp.Success;
    }

    public async Task<int> LogoutAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = new ArgumentReader("logout").Option("--authfile");
        if (!reader.Read(args, maxPositionals: 1))
        {
            await stdout.WriteLineAsync(LogoutHelp);
            return CommandLineApp.Success;
        }

        ArchiveCommands.Require(reader, 1, "logout needs a REGISTRY (host[:port])");
        var registry = Host(reader.Positionals[0]);
        var erased = await RegistryService.LogoutAsync(registry, reader.Get("--authfile"), cancellationToken);
        await stdout.WriteLineAsync(erased ? $"Removing login credentials for {registry}" : $"Not logged in to {registry}");
        return CommandLineApp.Success;
    }

    private static string Host(string text)
    {
        var host = text.Contains("://", StringComparison.Ordinal) ? text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..] : text;
        host = host.TrimEnd('/');
        return host.Length == 0 || host.Contains('/', StringComparison.Ordinal) ? throw new UsageException($"\"{text}\" is not a registry host") : host;
    }

    private void Log(string line)
    {
        lock (stderr)
        {
            stderr.WriteLine(line);
        }
    }
}
