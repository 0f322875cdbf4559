using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ImageBuilder.Registry.Auth;

public sealed partial class CredentialStore
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Keeps credentials for <paramref name="registry"/> (what <c>ibuild login</c> does after a
    /// successful check): through the registry's credential helper when config.json names one,
    /// else as a base64 <c>auth</c> entry in <c>auths</c>. Every other field of the file is kept;
    /// the file is replaced whole and is readable by its owner only (0600).
    /// </summary>
    public async Task SaveAsync(string registry, string username, string password, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        var key = ServerKey(registry);
        var config = ReadConfig() ?? [];
        if (HelperFor(config, key) is { } helper)
        {
            await helper.StoreAsync(key, username, password, cancellationToken);
            return;
        }

        var auths = config["auths"] as JsonObject;
        if (auths is null)
        {
            auths = [];
            config["auths"] = auths;
        }

        var entry = FindEntry(auths, key) is { } existing ? auths[existing] as JsonObject : null;
        if (entry is null)
        {
            entry = [];
            auths[key] = entry;
        }

        entry.Remove("username");
        entry.Remove("password");
        entry.Remove("identitytoken");
        entry["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));
        WriteConfig(config);
    }

    /// <summary>
    /// Forgets the credentials for <paramref name="registry"/> (<c>ibuild logout</c>): in its
    /// credential helper when one is configured, and in <c>auths</c>. Returns false when there was
    /// nothing in config.json to remove and no helper to ask.
    /// </summary>
    public async Task<bool> EraseAsync(string registry, CancellationToken cancellationToken)
    {
        var key = ServerKey(registry);
        var config = ReadConfig();
        var erased = false;
        if (HelperFor(config, key) is { } helper)
        {
            await helper.EraseAsync(key, cancellationToken);
            erased = true;
        }

        if (config?["auths"] is JsonObject auths && FindEntry(auths, key) is { } name)
        {
            auths.Remove(name);
            WriteConfig(config);
            erased = true;
        }

        return erased;
    }

    private static string? FindEntry(JsonObject auths, string key) =>
        auths.Select(pair => pair.Key).FirstOrDefault(name => NormalizeKeyOrDockerHub(name) == key);

    private void WriteConfig(JsonObject config)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(ConfigPath))!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var temporary = Path.Combine(directory, $".config.json.{Environment.ProcessId}.{Guid.NewGuid():N}");
        try
        {
            using (var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = OwnerOnly,
            }))
            {
                using (var writer = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true }))
                {
                    config.WriteTo(writer);
                }

                file.Write("\n"u8);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, ConfigPath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
