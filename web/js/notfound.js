// The 404 page: the site's header and footer around a way back.
import { renderHeader, footer } from './common.js';

renderHeader(null);
footer();
