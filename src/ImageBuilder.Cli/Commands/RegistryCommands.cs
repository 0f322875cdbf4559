using ImageBuilder.Cli.Registries;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Registry;
using ImageBuilder.Registry.Auth;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>pull</c>, <c>push</c>, <c>login</c> and <c>logout</c>: images to and from registries.</summary>
internal sealed class RegistryCommands(StoreCommands store, TextReader stdin, TextWriter stdout, TextWriter stderr)
{
    public const string PullHelp = $"""
        Usage: ibuild pull [--root DIR] [--platform P] [options] REF

        Pulls an image from a registry into the store and names it REF: the manifest for this
        platform (from an index), its config and layers (digests checked; blobs the store has
        are not fetched again), layers unpacked once. An interrupted pull finishes next time.

          --platform P             the platform to pick from an index (default: this machine's)
        {RegistryAccess.OptionsHelp}
        """;

    public const string PushHelp = $"""
        Usage: ibuild push [--root DIR] [options] IMAGE [DEST]

        Pushes an image of the store to a registry, as DEST (default: IMAGE's own name), with
        gzip layers, and prints the manifest's digest. Blobs the repository has are skipped;
        layers pulled from another repository of the same registry are mounted from it.

        {RegistryAccess.OptionsHelp}
        """;

    public const string LoginHelp = $"""
        Usage: ibuild login [-u USER] [-p PASSWORD | --password-stdin] [options] REGISTRY

        Checks the credentials with the registry, then saves them where docker keeps them
        (config.json, or its credential helper).

          -u, --username USER      the user name
          -p, --password PASSWORD  the password (visible to other users: prefer --password-stdin)
          --password-stdin         read the password from standard input
        {RegistryAccess.OptionsHelp}
        """;

    public const string LogoutHelp = """
        Usage: ibuild logout [--authfile FILE] REGISTRY

        Removes the saved credentials of REGISTRY.
        """;

    public async Task<int> PullAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = RegistryAccess.Declare(new ArgumentReader("pull").Option("--platform"));
        if (!reader.Read(args, maxPositionals: 1))
        {
            await stdout.WriteLineAsync(PullHelp);
            return CommandLineApp.Success;
        }

        ArchiveCommands.Require(reader, 1, "pull needs an image reference");
        var reference = StoreCommands.ParseReference(reader.Positionals[0]);
        var platform = Platform.Current;
        if (reader.Get("--platform") is { } text && !Platform.TryParse(text, out platform))
        {
            throw new UsageException($"pull: \"{text}\" is not a platform (os/arch[/variant])");
        }

        using var registries = RegistryAccess.From(reader, "pull");
        var contentStore = store.Open(reader.Root);
        var image = await new ImagePuller(contentStore, registries, Log).PullAsync(reference, platform, cancellationToken);
        await stdout.WriteLineAsync(image.Id.ToString());
        return CommandLineApp.Success;
    }

    public async Task<int> PushAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = RegistryAccess.Declare(new ArgumentReader("push"));
        if (!reader.Read(args, maxPositionals: 2))
        {
            await stdout.WriteLineAsync(PushHelp);
            return CommandLineApp.Success;
        }

        ArchiveCommands.Require(reader, 1, "push needs an IMAGE");
        var source = reader.Positionals[0];
        var destination = StoreCommands.ParseReference(reader.Positionals.Count > 1 ? reader.Positionals[1] : source);
        using var registries = RegistryAccess.From(reader, "push");
        var contentStore = store.Open(reader.Root);
        var image = contentStore.ResolveImage(source);
        var digest = await new ImagePusher(contentStore, registries, Log).PushAsync(image, destination, cancellationToken);
        await stdout.WriteLineAsync(digest.ToString());
        return CommandLineApp.Success;
    }

    public async Task<int> LoginAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = RegistryAccess.Declare(new ArgumentReader("login").Option("--username", "-u").Option("--password", "-p").Switch("--password-stdin"));
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
        using var registries = RegistryAccess.From(reader, "login");
        var given = new FixedCredentials(new RegistryCredential(user, password, null, $"the password given for {user}"));
        using (var client = new RegistryClient(registry, registries.Options with { Credentials = given }))
        {
            await client.PingAsync(cancellationToken);
        }

        await registries.Credentials.SaveAsync(registry, user, password, cancellationToken);
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
        using var registries = new RegistryAccess(true, [], reader.Get("--authfile"));
        var erased = await registries.Credentials.EraseAsync(registry, cancellationToken);
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
