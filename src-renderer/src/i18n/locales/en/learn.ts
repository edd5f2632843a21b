/** The Learn view's frame: its sections and their explanations. (Its explainers are not yet worded here.) */
export const learn = {
  title: 'Learn',
  intro: "The building blocks of a convolutional network, one at a time, with numbers you can change; then the tutorial's tiny CNN trained and its forward pass recomputed by hand beside the engine's.",
  sectionsLabel: 'Sections',
  steps: { first: 'First position', previous: 'Previous position', next: 'Next position', last: 'Last position', play: 'Play', pause: 'Pause', position: '{label}: position' },
  sections: {
    convolution: 'Convolution, step by step',
    pooling: 'Pooling and flatten',
    activation: 'Activation',
    parameters: 'Why fewer parameters',
    receptive: 'Receptive fields',
    toy: 'A CNN checked by hand',
    inside: 'Inside a trained CNN'
  },
  leads: {
    convolution:
      'A small matrix, the filter, slides over the input. At each position the overlapping values are multiplied element by element and summed, then the bias is added: that is one cell of the output. Step through the windows, or edit any number.',
    pooling:
      'Pooling shrinks a map: 2×2 max pooling with stride 2 keeps the largest value of each block, average pooling their mean. Choose an output cell to see its block. Flatten then lays the values out in one row for the fully connected layers.',
    activation:
      'After a convolution comes a non-linear function, applied to every value on its own. ReLU clamps negatives to zero, LeakyReLU keeps a small slope, Sigmoid and Tanh squash everything into a range.',
    parameters:
      "A fully connected layer gives every pixel its own weight for every unit. The tutorial's example: a 300×300 image into 1,000 hidden units needs about 90 million weights.",
    receptive:
      'Each output cell sees only part of the input, its receptive field; every convolution and pooling widens it, so deeper layers see larger regions. Drawn for the stack in Build.',
    toy: "The tutorial's check: two 4×4 images, a 12-parameter network, trained; then the first image's forward pass worked out by hand from the trained weights. Every intermediate value should equal the framework's.",
    inside: "What a trained network's layers make of one image: every feature map, and the filters of the first layer."
  }
}
