using System.Globalization;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Linux.Emulation;

/// <summary>
/// Whether this machine runs programs of another platform: its own architecture natively (and
/// 386 on amd64), any other through a binfmt_misc handler (QEMU user emulation) that the kernel
/// would pick for such a program. The handler needs the F flag (fix binary: the kernel opens the
/// interpreter when it is registered, so it works inside a step's root, which has no QEMU), as
/// Debian's qemu-user-static registers it. Read from /proc/sys/fs/binfmt_misc, nothing changed.
/// </summary>
public static class BinfmtMisc
{
    public const string Directory = "/proc/sys/fs/binfmt_misc";

    private const string Register = "apt-get install qemu-user-static binfmt-support (Debian); it registers QEMU for every architecture";

    /// <summary>Why programs of <paramref name="platform"/> cannot run here, with what to do; null when they can.</summary>
    public static (string Reason, string Hint)? WhyCannotRun(Platform platform) => WhyCannotRun(platform, Platform.Current, Directory);

    internal static (string Reason, string Hint)? WhyCannotRun(Platform platform, Platform host, string directory)
    {
        if (platform.Os != "linux")
        {
            return ($"platform {platform} cannot be built here: RUN steps run on Linux", "build for a linux/… platform");
        }

        if (platform.Architecture == host.Architecture || (host.Architecture == "amd64" && platform.Architecture == "386"))
        {
            return null;
        }

        if (ElfHeader(platform.Architecture) is not { } header)
        {
            return ($"RUN steps for {platform} cannot run here: ibuild knows no emulator for architecture \"{platform.Architecture}\"",
                "build that platform on a machine of it, or leave RUN out of its stages");
        }

        var qemu = $"qemu-{QemuName(platform.Architecture)}";
        if (!File.Exists(Path.Combine(directory, "status")))
        {
            return ($"RUN steps for {platform} need QEMU user emulation through binfmt_misc, which is not mounted at {directory}",
                $"mount it (mount -t binfmt_misc binfmt_misc {directory}), then {Register}");
        }

        if (SystemFile.ReadOrNull(Path.Combine(directory, "status"))?.Trim() == "disabled")
        {
            return ($"RUN steps for {platform} need an emulator, and binfmt_misc is disabled as a whole",
                $"enable it: echo 1 > {Path.Combine(directory, "status")}");
        }

        var handlers = Handlers(directory).Where(h => h.Matches(header)).ToList();
        if (handlers.Count == 0)
        {
            return ($"RUN steps for {platform} need an emulator, and no binfmt_misc handler for {platform.Architecture} programs is registered ({qemu})", Register);
        }

        if (handlers.All(h => !h.Enabled))
        {
            return ($"RUN steps for {platform} need an emulator; the binfmt_misc handler {handlers[0].Name} is disabled",
                $"enable it: echo 1 > {Path.Combine(directory, handlers[0].Name)} (or update-binfmts --enable {handlers[0].Name})");
        }

        if (!handlers.Any(h => h.Enabled && h.Flags.Contains('F', StringComparison.Ordinal)))
        {
            var name = handlers.First(h => h.Enabled).Name;
            return ($"RUN steps for {platform} need an emulator that works inside the step's root; the binfmt_misc handler {name} is registered without the F (fix binary) flag",
                $"register it again with F: {Register} (its handlers have F), or docker run --privileged tonistiigi/binfmt --install {platform.Architecture}");
        }

        return null;
    }

    /// <summary>The first 20 bytes of an ELF executable of the architecture (what handlers match), or null when unknown.</summary>
    internal static byte[]? ElfHeader(string architecture)
    {
        (byte Class, bool BigEndian, ushort Machine)? elf = architecture switch
        {
            "amd64" => (2, false, 62),
            "arm64" => (2, false, 183),
            "arm" => (1, false, 40),
            "386" => (1, false, 3),
            "ppc64le" => (2, false, 21),
            "s390x" => (2, true, 22),
            "riscv64" => (2, false, 243),
            "mips64le" => (2, false, 8),
            "loong64" => (2, false, 258),
            _ => null,
        };
        if (elf is not var (elfClass, bigEndian, machine))
        {
            return null;
        }

        var header = new byte[20];
        header[0] = 0x7f;
        header[1] = (byte)'E';
        header[2] = (byte)'L';
        header[3] = (byte)'F';
        header[4] = elfClass;
        header[5] = (byte)(bigEndian ? 2 : 1);
        header[6] = 1;
        // e_type ET_EXEC (2), e_machine: 16-bit words in the file's byte order.
        Write(header, 16, 2, bigEndian);
        Write(header, 18, machine, bigEndian);
        return header;
    }

    private static void Write(byte[] header, int at, ushort value, bool bigEndian)
    {
        header[at + (bigEndian ? 1 : 0)] = (byte)value;
        header[at + (bigEndian ? 0 : 1)] = (byte)(value >> 8);
    }

    private static string QemuName(string architecture) => architecture switch
    {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        "386" => "i386",
        "mips64le" => "mips64el",
        "loong64" => "loongarch64",
        _ => architecture,
    };

    private static IEnumerable<Handler> Handlers(string directory)
    {
        IEnumerable<string> entries;
        try
        {
            entries = System.IO.Directory.EnumerateFiles(directory).Where(f => Path.GetFileName(f) is not ("status" or "register")).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (var entry in entries)
        {
            if (SystemFile.ReadOrNull(entry) is { } text && Handler.Parse(Path.GetFileName(entry), text) is { } handler)
            {
                yield return handler;
            }
        }
    }

    /// <summary>A magic-matching handler (<c>enabled</c>, <c>flags: …</c>, <c>offset N</c>, <c>magic HEX</c>, <c>mask HEX</c>).</summary>
    internal sealed record Handler(string Name, bool Enabled, string Flags, int Offset, byte[] Magic, byte[]? Mask)
    {
        public static Handler? Parse(string name, string text)
        {
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string? Value(string key) => lines.FirstOrDefault(l => l.StartsWith(key + " ", StringComparison.Ordinal) || l.StartsWith(key + ":", StringComparison.Ordinal))
                ?[(key.Length + 1)..].Trim();
            if (Value("magic") is not { } magic || !TryHex(magic, out var magicBytes))
            {
                return null; // an extension handler, or unreadable
            }

            var mask = Value("mask") is { } m && TryHex(m, out var maskBytes) ? maskBytes : null;
            var offset = int.TryParse(Value("offset"), NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : 0;
            return new Handler(name, lines.Contains("enabled"), Value("flags") ?? "", offset, magicBytes, mask);
        }

        /// <summary>Whether the kernel would hand a program starting with <paramref name="header"/> to this handler.</summary>
        public bool Matches(byte[] header)
        {
            if (Offset + Magic.Length > header.Length)
            {
                return false;
            }

            for (var i = 0; i < Magic.Length; i++)
            {
                var mask = Mask is { } m && i < m.Length ? m[i] : (byte)0xff;
                if ((header[Offset + i] & mask) != (Magic[i] & mask))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool TryHex(string text, out byte[] bytes)
        {
            try
            {
                bytes = Convert.FromHexString(text);
                return true;
            }
            catch (FormatException)
            {
                bytes = [];
                return false;
            }
        }
    }
}
