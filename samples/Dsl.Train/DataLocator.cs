using System.Diagnostics;
using Dsl.Runtime;

namespace Dsl.Train;

/// <summary>Finds the Fashion-MNIST files, installing the Debian package when the default location is empty and we may.</summary>
internal static class DataLocator
{
    /// <summary>The directory to load from.</summary>
    /// <exception cref="UsageException">The files are not there and cannot be installed; the message says what to do.</exception>
    public static string Resolve(string? requested, TextWriter log)
    {
        if (requested is not null)
        {
            var missingThere = FashionMnist.MissingFiles(requested);
            if (missingThere.Count == 0) return requested;
            throw new UsageException(
                $"--data {requested}: {(Directory.Exists(requested) ? "missing " + Files(missingThere) : "no such directory")}.\n" +
                $"Pass a directory holding {Files(FashionMnist.FileNames)} (each .gz or not), " +
                $"or leave --data out to use {FashionMnist.DefaultDirectory} from the Debian package {FashionMnist.DebianPackage}.");
        }

        string directory = FashionMnist.DefaultDirectory;
        var missing = FashionMnist.MissingFiles(directory);
        if (missing.Count == 0) return directory;

        if (Environment.IsPrivilegedProcess && OperatingSystem.IsLinux() && File.Exists("/usr/bin/apt-get"))
        {
            log.WriteLine($"Fashion-MNIST is not in {directory}; installing the Debian package {FashionMnist.DebianPackage}:");
            // A fresh container often has no package lists yet, so an install that fails is retried after an update.
            if (!Run(log, "apt-get", "install", "-y", FashionMnist.DebianPackage))
            {
                Run(log, "apt-get", "update");
                Run(log, "apt-get", "install", "-y", FashionMnist.DebianPackage);
            }
            missing = FashionMnist.MissingFiles(directory);
            if (missing.Count == 0) return directory;
        }

        throw new UsageException(
            $"Fashion-MNIST was not found: {directory} lacks {Files(missing)}.\n" +
            $"Install it with\n    sudo apt-get install {FashionMnist.DebianPackage}\n" +
            $"or pass --data DIR naming a directory that holds {Files(FashionMnist.FileNames)} (each .gz or not).");
    }

    private static string Files(IEnumerable<string> names) => string.Join(", ", names);

    private static bool Run(TextWriter log, string program, params string[] arguments)
    {
        log.WriteLine($"$ {program} {string.Join(' ', arguments)}");
        log.Flush();
        try
        {
            var start = new ProcessStartInfo(program) { UseShellExecute = false };
            foreach (string a in arguments) start.ArgumentList.Add(a);
            start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
            using var process = Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log.WriteLine($"could not run {program}: {e.Message}");
            return false;
        }
    }
}
