using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CarteAuth.SmartCard.Pkcs11;

/// <summary>
/// Loaded PKCS#11 modules, shared per full path and reference-counted. A module is initialised once per process
/// (v2.40 §5.4 <c>C_Initialize</c>) and <c>C_Finalize</c> ends every application's use of it, so two clients of the
/// same module must share one loaded instance, finalised when the last one is disposed.
/// </summary>
internal static class Pkcs11ModuleRegistry
{
    private static readonly Dictionary<string, (IPkcs11Library Library, int References)> Modules = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();
    private static bool _resolverSet;

    public static IPkcs11Library Acquire(string fullPath, Pkcs11InteropFactories factories)
    {
        lock (Gate)
        {
            EnsureLibdlResolver();
            if (Modules.TryGetValue(fullPath, out var loaded))
            {
                Modules[fullPath] = (loaded.Library, loaded.References + 1);
                return loaded.Library;
            }

            var library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, fullPath, AppType.MultiThreaded);
            Modules[fullPath] = (library, 1);
            return library;
        }
    }

    public static void Release(string fullPath)
    {
        lock (Gate)
        {
            if (!Modules.TryGetValue(fullPath, out var loaded))
            {
                return;
            }

            if (loaded.References > 1)
            {
                Modules[fullPath] = (loaded.Library, loaded.References - 1);
                return;
            }

            Modules.Remove(fullPath);
            loaded.Library.Dispose(); // C_Finalize, then unload
        }
    }

    /// <summary>
    /// Pkcs11Interop loads modules with <c>dlopen</c> imported from "libdl", a name that only resolves where the
    /// development symlink <c>libdl.so</c> exists. Since glibc 2.34 only <c>libdl.so.2</c> (or libc itself) is there,
    /// so "libdl" is resolved to it. Left alone when the application set its own resolver for Pkcs11Interop.
    /// </summary>
    private static void EnsureLibdlResolver()
    {
        if (_resolverSet)
        {
            return;
        }

        _resolverSet = true;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, ResolveLibdl);
        }
        catch (InvalidOperationException)
        {
            // The application already set a resolver for Pkcs11Interop: it knows best.
        }
    }

    private static IntPtr ResolveLibdl(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!OperatingSystem.IsLinux() || libraryName != "libdl")
        {
            return IntPtr.Zero;
        }

        foreach (var candidate in new[] { "libdl.so", "libdl.so.2", "libc.so.6" })
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }
}
