// The public header compiles as C++ and links from C++.
#include <kap.h>
int main()
{
    kap_request r = KAP_REQUEST_INIT;
    kap_request_n n = KAP_REQUEST_N_INIT;
    kap_decision d;
    kap_policy *p = nullptr;
    (void)d;
    (void)p;
    return r.version == KAP_REQUEST_VERSION && n.version == KAP_REQUEST_VERSION && n.path.ptr == nullptr &&
                   kap_version() != nullptr
               ? 0
               : 1;
}
