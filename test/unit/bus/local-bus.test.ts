// The Bus contract on LocalBus: one process, so every "node" is the same bus.
import { LocalBus } from '../../../lib/bus/local-bus.ts';
import { busContract } from '../../contract/bus.contract.ts';

busContract('LocalBus', async () => {
  const bus = new LocalBus();
  let publishes = 0;
  const publish = bus.publish.bind(bus);
  bus.publish = (event) => {
    publishes++;
    publish(event);
  };
  return {
    node: async () => bus,
    publishes: async () => publishes,
    multiNode: false,
    teardown: () => bus.close(),
  };
});
