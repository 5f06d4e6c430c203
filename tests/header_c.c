/* The public header compiles alone under strict C flags (see CMake). */
#include <kap.h>
int main(void)
{
    kap_request r = KAP_REQUEST_INIT;
    kap_options o;
    kap_options_init(&o);
    return r.version == KAP_REQUEST_VERSION && KAP_VERSION_HEX > 0 ? 0 : 1;
}
