/*
 * Parity: stand-in for std::ios_base_library_init(), which GCC 13's <iostream> references.
 * GCC 12's libstdc++ (Debian 12) does not define it. The function has no work to do in an older
 * libstdc++, whose ios_base::Init objects still initialise the standard streams.
 * Built on demand by Parity.Torch.PInvoke.LibTorchLoader with the system C compiler.
 */
void _ZSt21ios_base_library_initv(void) {}
