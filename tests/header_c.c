/* The public header compiles alone under strict C flags (see CMake). */
#include <kap.h>
int main(void)
{
    kap_request r = KAP_REQUEST_INIT;
    kap_request_n n = KAP_REQUEST_N_INIT;
    kap_str none = KAP_STR_NONE;
    kap_options o;
    kap_options_init(&o);
    return r.version == KAP_REQUEST_VERSION && n.version == KAP_REQUEST_VERSION && !n.user.ptr && !none.ptr &&
                   KAP_VERSION_HEX > 0
               ? 0
               : 1;
}
