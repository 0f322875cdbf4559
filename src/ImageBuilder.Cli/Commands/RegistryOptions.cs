using ImageBuilder.Application.Registries;

namespace ImageBuilder.Cli.Commands;

/// <summary>
/// The registry options of pull, push, login and build: <c>--tls-verify</c>, <c>--insecure-registry HOST</c>
/// (repeatable) and <c>--authfile FILE</c> (a docker config.json; default <c>$DOCKER_CONFIG/config.json</c>,
/// else <c>~/.docker/config.json</c>), read into the application layer's <see cref="RegistrySettings"/>.
/// </summary>
internal static class RegistryOptions
{
    public const string Help = """
          --tls-verify=false       accept any certificate from the registry
          --insecure-registry HOST speak plain HTTP (or unverified TLS) to HOST[:PORT] (repeatable; loopback always may)
          --authfile FILE          the docker config.json with credentials (default $DOCKER_CONFIG/config.json, ~/.docker/config.json)
        """;

    /// <summary>Declares the registry options on a command's reader.</summary>
    public static ArgumentReader Declare(ArgumentReader reader) =>
        reader.Option("--tls-verify").Option("--insecure-registry").Option("--authfile");

    public static RegistrySettings Read(ArgumentReader reader, string command)
    {
        var verify = reader.Get("--tls-verify") switch
        {
            null or "true" => true,
            "false" => false,
            var other => throw new UsageException($"{command}: --tls-verify takes true or false, not {other}"),
        };
        return new RegistrySettings(verify, reader.GetAll("--insecure-registry"), reader.Get("--authfile"));
    }
}
