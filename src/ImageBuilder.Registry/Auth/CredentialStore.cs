using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ImageBuilder.Registry.Auth;

/// <summary>
/// Credentials kept the way docker keeps them: <c>config.json</c> in <c>$DOCKER_CONFIG</c> or
/// <c>~/.docker</c>, with <c>auths</c> (base64 <c>auth</c>, or <c>username</c>/<c>password</c>,
/// or <c>identitytoken</c>), and <c>credHelpers</c> (per registry) and <c>credsStore</c> (for
/// all) naming <c>docker-credential-*</c> helpers. docker.io is keyed as
/// <c>https://index.docker.io/v1/</c>.
/// </summary>
public sealed partial class CredentialStore : ICredentialProvider
{
    /// <summary>The key docker uses for docker.io in config.json and with helpers.</summary>
    public const string DockerHubServerKey = "https://index.docker.io/v1/";

    private readonly string? helperSearchPath;

    /// <param name="configPath">The config.json to read and write.</param>
    /// <param name="helperSearchPath">Directories (colon-separated) searched for credential helpers; null is $PATH.</param>
    public CredentialStore(string configPath, string? helperSearchPath = null)
    {
        ConfigPath = configPath;
        this.helperSearchPath = helperSearchPath;
    }

    public string ConfigPath { get; }

    /// <summary>The store docker itself would use: <c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>.</summary>
    public static CredentialStore Default()
    {
        var directory = Environment.GetEnvironmentVariable("DOCKER_CONFIG");
        if (string.IsNullOrEmpty(directory))
        {
            var home = Environment.GetEnvironmentVariable("HOME");
            if (string.IsNullOrEmpty(home))
            {
                home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            }

            directory = Path.Combine(home, ".docker");
        }

        return new CredentialStore(Path.Combine(directory, "config.json"));
    }

    /// <summary>The key a registry has in config.json and with helpers: <c>https://index.docker.io/v1/</c> for docker.io, else the host[:port].</summary>
    public static string ServerKey(string registry)
    {
        var host = NormalizeKey(registry);
        return host is "docker.io" or "index.docker.io" or "registry-1.docker.io" ? DockerHubServerKey : host;
    }

    public async Task<RegistryCredential?> GetAsync(string registry, CancellationToken cancellationToken)
    {
        var config = ReadConfig();
        var key = ServerKey(registry);
        if (HelperFor(config, key) is { } helper)
        {
            var fromHelper = await helper.GetAsync(key, cancellationToken);
            if (fromHelper is not null)
            {
                return fromHelper;
            }
        }

        return FromAuths(config, key);
    }

    public string DescribeLookup(string registry)
    {
        var key = ServerKey(registry);
        JsonObject? config;
        try
        {
            config = ReadConfig();
        }
        catch (RegistryException)
        {
            config = null;
        }

        return HelperFor(config, key) is { } helper
            ? $"no credentials (none from credential helper {helper.Program} or in {ConfigPath} for {key})"
            : $"no credentials (none in {ConfigPath} for {key})";
    }

    private static RegistryCredential? FromAuths(JsonObject? config, string key)
    {
        if (config?["auths"] is not JsonObject auths)
        {
            return null;
        }

        foreach (var (name, value) in auths)
        {
            if (value is not JsonObject entry || NormalizeKeyOrDockerHub(name) != key)
            {
                continue;
            }

            var source = $"config.json for {DisplayName(key)}";
            var identityToken = Text(entry, "identitytoken");
            var username = Text(entry, "username");
            var password = Text(entry, "password");
            if (Text(entry, "auth") is { Length: > 0 } auth)
            {
                string decoded;
                try
                {
                    decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
                }
                catch (FormatException e)
                {
                    throw new RegistryException(RegistryErrorReason.Unauthorized, $"the auth entry for {name} in config.json is not base64: {e.Message}", e);
                }

                var colon = decoded.IndexOf(':');
                (username, password) = colon < 0 ? (decoded, "") : (decoded[..colon], decoded[(colon + 1)..]);
            }

            if (!string.IsNullOrEmpty(identityToken))
            {
                return new RegistryCredential(username, null, identityToken, $"{source} (identity token)");
            }

            if (!string.IsNullOrEmpty(username))
            {
                return new RegistryCredential(username, password ?? "", null, $"{source} (user {username})");
            }
        }

        return null;
    }

    private CredentialHelper? HelperFor(JsonObject? config, string key)
    {
        if (config?["credHelpers"] is JsonObject helpers)
        {
            foreach (var (name, value) in helpers)
            {
                if (NormalizeKeyOrDockerHub(name) == key && value is JsonValue helper && helper.TryGetValue(out string? program) && program.Length > 0)
                {
                    return new CredentialHelper(program, helperSearchPath);
                }
            }
        }

        return Text(config, "credsStore") is { Length: > 0 } store ? new CredentialHelper(store, helperSearchPath) : null;
    }

    private JsonObject? ReadConfig()
    {
        if (!File.Exists(ConfigPath))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(File.ReadAllBytes(ConfigPath)) as JsonObject
                ?? throw new RegistryException(RegistryErrorReason.Protocol, $"{ConfigPath} does not hold a JSON object");
        }
        catch (JsonException e)
        {
            throw new RegistryException(RegistryErrorReason.Protocol, $"{ConfigPath} is not valid JSON: {e.Message}", e);
        }
    }

    private static string? Text(JsonObject? node, string name) =>
        node?[name] is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    private static string DisplayName(string key) => key == DockerHubServerKey ? "docker.io" : key;

    private static string NormalizeKeyOrDockerHub(string key) => ServerKey(key);

    /// <summary>A config key as a lower-case host[:port]: <c>https://host:5000/v1/</c> is <c>host:5000</c>.</summary>
    private static string NormalizeKey(string key)
    {
        var text = key.Trim();
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            text = text[(scheme + 3)..];
        }

        var slash = text.IndexOf('/');
        if (slash >= 0)
        {
            text = text[..slash];
        }

        return text.ToLowerInvariant();
    }
}
