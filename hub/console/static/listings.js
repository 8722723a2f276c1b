// The listings page is served as HTML forms (hub/console/publishing.py); the shared script only.
import "./console.js";
