namespace ImageBuilder.Cli.Commands;

/// <summary><c>--secret id=ID[,src=FILE|,env=VAR]</c> as docker buildx takes it; with neither, the variable named ID.</summary>
internal static class SecretOptions
{
    /// <summary>BuildKit's limit on one secret (<c>secrets.MaxSecretSize</c>, 500 KiB): <c>src=/dev/zero</c> is refused, not read forever.</summary>
    public const int MaxBytes = 500 * 1024;

    public static Dictionary<string, byte[]> Read(IReadOnlyList<string> items)
    {
        var secrets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var fields = OptionFields.Parse(item, "--secret");
            var id = fields.GetValueOrDefault("id") is { Length: > 0 } given ? given : throw new UsageException($"build: --secret {item} needs id=");
            var file = fields.GetValueOrDefault("src") ?? fields.GetValueOrDefault("source");
            var env = fields.GetValueOrDefault("env");
            if (file is { Length: 0 } || env is { Length: 0 })
            {
                throw new UsageException($"build: --secret {item}: src= and env= need a value");
            }

            secrets[id] = file is not null
                ? ReadFile(id, file)
                : System.Text.Encoding.UTF8.GetBytes(Environment.GetEnvironmentVariable(env ?? id)
                    ?? throw new UsageException($"build: --secret {id}: the variable {env ?? id} is not set"));
            if (secrets[id].Length > MaxBytes)
            {
                throw TooLarge(id);
            }
        }

        return secrets;
    }

    private static byte[] ReadFile(string id, string path)
    {
        if (Directory.Exists(path))
        {
            throw new UsageException($"build: --secret {id}: {path} is a directory, not a file");
        }

        try
        {
            using var stream = File.OpenRead(path);
            var buffer = new byte[MaxBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
            }

            return length > MaxBytes ? throw TooLarge(id) : buffer[..length];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"build: --secret {id}: {e.Message}");
        }
    }

    private static UsageException TooLarge(string id) =>
        new($"build: --secret {id} is larger than {MaxBytes / 1024} KiB, the most a secret may be (as in BuildKit)");
}
