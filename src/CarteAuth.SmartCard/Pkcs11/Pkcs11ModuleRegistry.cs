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

    public static IPkcs11Library Acquire(string fullPath, Pkcs11InteropFactories factories)
    {
        lock (Gate)
        {
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
}
